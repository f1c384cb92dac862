// CounterLog: records what the cache did during one benchmark case (a CounterRecord of
// PageCacheStatistics deltas) as a JSON line of quire-counters.jsonl next to the run's results
// ($QUIRE_BENCH_RESULTS, or BenchmarkDotNet.Artifacts/results), so the report can show hit
// ratios and write sizes measured in the same run as the timings.
//
// Locking: cases run one at a time; each appends its lines from one thread.

using System.Text.Json;

namespace Quire.Benchmarks;

internal static class CounterLog
{
    public const string FileName = "quire-counters.jsonl";

    /// <summary>Where the results of this run go.</summary>
    public static string ResultsDirectory =>
        Environment.GetEnvironmentVariable("QUIRE_BENCH_RESULTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine("BenchmarkDotNet.Artifacts", "results");

    /// <summary>Appends one case's counters.</summary>
    public static void Append(CounterRecord record)
    {
        Directory.CreateDirectory(ResultsDirectory);
        File.AppendAllText(Path.Combine(ResultsDirectory, FileName), JsonSerializer.Serialize(record) + "\n");
    }
}
