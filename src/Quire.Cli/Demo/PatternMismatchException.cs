// PatternMismatchException: thrown when bytes read back differ from the seeded pattern that was
// written, so the demo stops and the tool exits with a failure instead of printing timings of
// wrong data.

namespace Quire.Cli.Demo;

internal sealed class PatternMismatchException : Exception
{
    public PatternMismatchException()
    {
    }

    public PatternMismatchException(string message)
        : base(message)
    {
    }

    public PatternMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
