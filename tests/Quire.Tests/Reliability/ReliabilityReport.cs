// ReliabilityReport: where the reliability suites put their figures (cases run, faults fired,
// crash states verified): the test output, and a file when QUIRE_RELIABILITY_REPORT names one,
// which is how docs/DURABILITY.md's table is filled from real runs. QUIRE_LONG_RUN=1 selects the
// long run's larger counts.

using System.Globalization;
using Xunit.Abstractions;

namespace Quire.Tests.Reliability;

internal static class ReliabilityReport
{
    private static readonly Lock s_fileLock = new();

    /// <summary>Whether the opt-in long run was asked for.</summary>
    public static bool IsLongRun => Environment.GetEnvironmentVariable("QUIRE_LONG_RUN") == "1";

    /// <summary>Picks the default or the long run's value.</summary>
    public static int Scale(int defaultValue, int longValue) => IsLongRun ? longValue : defaultValue;

    /// <summary>A seed to replay from QUIRE_SEED, or null for the suite's own range.</summary>
    public static ulong? ReplaySeed =>
        Environment.GetEnvironmentVariable("QUIRE_SEED") is { } text ? ulong.Parse(text, CultureInfo.InvariantCulture) : null;

    public static void Record(ITestOutputHelper output, string suite, string figures)
    {
        string line = $"{suite}: {figures}";
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("QUIRE_RELIABILITY_REPORT") is { Length: > 0 } path)
        {
            lock (s_fileLock)
            {
                File.AppendAllText(path, line + Environment.NewLine);
            }
        }
    }
}
