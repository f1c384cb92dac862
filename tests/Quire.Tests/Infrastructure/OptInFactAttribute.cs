// OptInFact: a test that runs only when an environment variable asks for it (a soak, a long run).
// Unasked, it is reported as skipped with a reason that starts "Opt-in:", never as passed:
// scripts/test lists such skips and accepts them, and fails on any other skip this machine could
// have run.

namespace Quire.Tests.Infrastructure;

public sealed class OptInFactAttribute : FactAttribute
{
    /// <summary>The prefix of every opt-in skip reason, which scripts/test accepts.</summary>
    public const string ReasonPrefix = "Opt-in:";

    /// <param name="variable">The environment variable that turns the test on when set and not empty.</param>
    /// <param name="what">What the test does, for the skip reason.</param>
    public OptInFactAttribute(string variable, string what)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
        {
            Skip = $"{ReasonPrefix} {what}; set {variable} to run it.";
        }
    }
}
