// ExitCodes: the process exit codes of the `quire` tool, one meaning each, as shells expect them.

namespace Quire.Cli;

internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The command ran and failed: an I/O error, or data read back differs from what was written.</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong: an unknown option, or a value that does not parse or is out of range.</summary>
    public const int Usage = 2;

    /// <summary>The command was interrupted (128 + SIGINT, the shells' convention).</summary>
    public const int Interrupted = 130;
}
