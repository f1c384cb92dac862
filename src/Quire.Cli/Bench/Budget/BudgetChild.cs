// BudgetChild: the engine's side of a --memory-budget run: the `quire bench` process the bench
// starts inside a memory cgroup for one engine. It measures its own baseline, sizes Quire's pool
// to what is left of the budget, runs the one engine on the files the parent prepared, and
// writes the result for the parent to read (EngineResultFile).
//
// Steps (Run):
//   1. Find this process's memory cgroup (the parent put it there before the runtime started).
//   2. Collect garbage, then read the cgroup's usage: the baseline (runtime, code, heap), before
//      any pool, file or page cache of the run exists.
//   3. Quire only: pool = budget - baseline - HeadroomBytes(budget), in whole pages; a budget that leaves
//      less than the smallest pool is a usage error naming --memory-budget.
//   4. Run the engine (BenchRunner.Run, as without a budget) and write the result.
// Exit codes: 0 with the result written, 2 when the budget is too small, 1 on a failure (the
// message on the error writer), 130 when interrupted (the partial result is written).
//
// Locking: the command's thread only.

using Quire.Cli.Bench.Engines;
using Quire.Cli.Bench.Machine;
using Quire.Cli.Bench.Storage;
using static System.FormattableString;

namespace Quire.Cli.Bench.Budget;

internal static class BudgetChild
{
    /// <summary>
    /// What the process grows by after its baseline is measured, kept out of the pool so the
    /// cgroup's limit is not hit by the run's own bookkeeping: 16 MiB for the JIT of the run's
    /// code, the worker threads' stacks and buffers, the samples and histograms; and an eighth of
    /// the budget for what grows with the pool and the writes in flight (the cache's records
    /// beside its frames, its page indexes, the heap's share, 16 I/O threads). Measured: with a
    /// 256 MiB budget and a 208 MiB pool, random writes over an O_DIRECT store took the process
    /// 27 MiB beyond pool and baseline (the heap committed 20 MiB) and into the cgroup's OOM
    /// killer; a sixteenth of the budget had been enough with 4 writes in flight. The peak in
    /// the output shows what was used.
    /// </summary>
    public static long HeadroomBytes(long budgetBytes) => (16L << 20) + (budgetBytes / 8);

    /// <summary>Runs the one engine of <paramref name="settings"/> inside its cgroup; returns the exit code.</summary>
    public static int Run(TextWriter error, BenchSettings settings, string resultPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(settings);
        long budget = settings.MemoryBudgetBytes ?? throw new ArgumentException("A budgeted child needs --memory-budget.", nameof(settings));
        string engineName = settings.Engines.Single();

        // Steps 1 and 2.
        CgroupMemoryController? controller = CgroupMemoryController.DetectSelf(out string reason);
        if (controller is null)
        {
            error.WriteLine($"quire bench: the {engineName} engine's process cannot read its memory cgroup: {reason}.");
            return ExitCodes.Failure;
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long baseline = MemoryCgroup.ReadOwnUsageBytes(controller);

        // Step 3.
        long? pool = null;
        if (engineName == QuireEngine.EngineName)
        {
            if (PoolFor(budget, baseline, settings.PageSize, out long poolBytes) is { } problem)
            {
                error.WriteLine(problem);
                return ExitCodes.Usage;
            }

            pool = poolBytes;
            settings = settings with { EnginePoolBytes = poolBytes };
        }

        // Step 4.
        try
        {
            using var storage = new LocalBenchStorage(settings.Directory, "quire-bench");
            var runner = new BenchRunner(settings, WorkloadPlan.For(settings), storage);
            using BenchEngine engine = BenchSession.CreateEngine(engineName, settings, storage);
            EngineResult result = runner.Run(engine, onSample: null, cancellationToken) with { MemoryBaselineBytes = baseline, PoolBytes = pool };
            EngineResultFile.Write(resultPath, result);
            return result.Interrupted ? ExitCodes.Interrupted : ExitCodes.Success;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException or OutOfMemoryException or NotSupportedException or PageCacheInvariantException)
        {
            error.WriteLine(e.Message);
            return ExitCodes.Failure;
        }
    }

    /// <summary>Quire's pool for <paramref name="budgetBytes"/> less <paramref name="baselineBytes"/>, or the usage error (naming --memory-budget) when too little is left.</summary>
    public static string? PoolFor(long budgetBytes, long baselineBytes, int pageSize, out long poolBytes)
    {
        long minPool = Math.Max(BenchOptions.MinPoolBytes, (long)BenchOptions.MinPoolPages * pageSize);
        poolBytes = (budgetBytes - baselineBytes - HeadroomBytes(budgetBytes)) / pageSize * pageSize;
        if (poolBytes >= minPool)
        {
            return null;
        }

        string message = Invariant(
            $"--memory-budget {BenchReport.FormatBytes(budgetBytes)} is too small: the quire engine's process measured a baseline of {BenchReport.FormatBytes(baselineBytes)} (runtime, code and heap) and keeps {BenchReport.FormatBytes(HeadroomBytes(budgetBytes))} of headroom, which leaves {BenchReport.FormatBytes(Math.Max(0, poolBytes))} for a pool of at least {BenchReport.FormatBytes(minPool)}; give at least {BenchReport.FormatBytes(baselineBytes + HeadroomBytes(budgetBytes) + minPool)}.");
        poolBytes = 0;
        return message;
    }
}
