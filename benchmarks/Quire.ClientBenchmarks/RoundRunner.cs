// RoundRunner: runs a workload's contenders in rounds on one thread. The machine is shared and its
// disk's speed drifts, so no contender runs twice in a row: every round runs each contender once,
// in an order rotated by one every round, and ratios are taken within a round (see Summary).
//
// Steps: 1. a warm-up round of small runs, not recorded, so that no contender pays for the JIT
// compiling the client's code; 2. the measured rounds, each run in a fresh directory deleted
// afterwards, with a full garbage collection before each run so one run's garbage is not
// collected in the next; 3. every run's results (counts, checksums) compared with the first
// run's: a difference stops the benchmark, since the engines did not do the same work.

using System.Globalization;

namespace Quire.ClientBenchmarks;

internal static class RoundRunner
{
    /// <summary>Returns the runs indexed [contender][round].</summary>
    public static EngineRun[][] Run(ScratchDirectory scratch, string workload, IReadOnlyList<Contender> warmUp, IReadOnlyList<Contender> contenders, int rounds)
    {
        foreach (Contender contender in warmUp)
        {
            (EngineRun run, long fileBytes) = RunOnce(scratch, contender);
            Console.WriteLine($"{workload} warm-up: {contender.Name} {Describe(run)}; {FormatMiB(fileBytes)} of files");
        }

        var runs = contenders.Select(_ => new EngineRun[rounds]).ToArray();
        EngineRun? reference = null;
        for (int round = 0; round < rounds; round++)
        {
            for (int turn = 0; turn < contenders.Count; turn++)
            {
                int index = (turn + round) % contenders.Count;
                (EngineRun run, long fileBytes) = RunOnce(scratch, contenders[index]);
                Console.WriteLine($"{workload} round {round}: {contenders[index].Name} {Describe(run)}; {FormatMiB(fileBytes)} of files");
                reference ??= run;
                CheckResultsEqual(reference, run);
                runs[index][round] = run;
            }
        }

        return runs;
    }

    /// <summary>Runs a contender once; returns what it measured and the size of the files it left.</summary>
    private static (EngineRun Run, long FileBytes) RunOnce(ScratchDirectory scratch, Contender contender)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        string directory = scratch.NewRunDirectory(contender.Name);
        try
        {
            EngineRun run = contender.Run(directory);
            long fileBytes = new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(file => file.Length);
            return (run, fileBytes);
        }
        finally
        {
            ScratchDirectory.DeleteRunDirectory(directory);
        }
    }

    private static void CheckResultsEqual(EngineRun reference, EngineRun run)
    {
        var differences = new List<string>();
        foreach ((string name, long expected) in reference.Results)
        {
            long? actual = run.Results.TryGetValue(name, out long value) ? value : null;
            if (actual != expected)
            {
                differences.Add($"{name} = {actual?.ToString(CultureInfo.InvariantCulture) ?? "nothing"} (not {expected})");
            }
        }

        if (differences.Count > 0)
        {
            throw new InvalidOperationException($"The engines did different work: {run.Engine} gave {string.Join(", ", differences)}, where {reference.Engine} gave the values in parentheses.");
        }
    }

    private static string FormatMiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):0.0} MiB");

    private static string Describe(EngineRun run) => string.Join("; ", run.Phases.Select(Describe));

    private static string Describe(PhaseResult phase)
    {
        string time = string.Create(CultureInfo.InvariantCulture, $"{phase.Phase} {phase.Elapsed.TotalSeconds:0.00} s");
        return phase.Counters is { } counters
            ? time + string.Create(CultureInfo.InvariantCulture, $" (throttled {counters.ThrottleTime.TotalSeconds:0.00} s, {counters.DurableFlushes} flushes, {counters.Hits} hits, {counters.Misses} misses)")
            : time;
    }
}
