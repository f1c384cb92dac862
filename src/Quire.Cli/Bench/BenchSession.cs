// BenchSession: one `quire bench` run: makes the storage (a directory, or RBD images) and the shared files, runs each engine
// in turn with a progress display, prints the tables, writes the JSON, CSV and chart, and deletes
// what it created. An engine that fails is reported and skipped; an interrupt stops the current
// engine, and the figures so far are printed and written.
//
// Progress: Spectre's Progress on an interactive console; a plain line per engine otherwise
// (live rendering writes cursor codes that would garble redirected output).
// Single-threaded; not thread-safe.

using Quire.Ceph;
using Quire.Cli.Bench.Engines;
using Quire.Cli.Bench.Storage;
using Spectre.Console;
using static System.FormattableString;

namespace Quire.Cli.Bench;

internal sealed class BenchSession(IAnsiConsole console, TextWriter error, BenchSettings settings, BenchOutputs outputs)
{
    /// <summary>Runs every engine; returns the exit code.</summary>
    /// <exception cref="OperationCanceledException">Interrupted before the first engine ran.</exception>
    /// <exception cref="IOException">The directory, the cluster connection or the shared files could not be made.</exception>
    public int Run(CancellationToken cancellationToken)
    {
        using BenchStorage storage = CreateStorage(settings, "quire-bench");
        WorkloadPlan plan = WorkloadPlan.For(settings);
        var runner = new BenchRunner(settings, plan, storage);
        try
        {
            storage.Prepare(plan.DataFileBytes + plan.SecondFileBytes);
            var report = new BenchReport(console, storage.BaselineEngine);
            report.WriteHeader(settings, plan, storage);
            console.WriteLine(plan.PrefillData ? "Writing the files the engines share (untimed)..." : "Each engine writes its file anew (created sparse at full length, untimed).");
            runner.PrepareSharedFiles(cancellationToken);

            (List<EngineResult> results, bool failed) = RunEngines(runner, cancellationToken);
            bool interrupted = results.Exists(r => r.Interrupted) || cancellationToken.IsCancellationRequested;
            EngineResult? baseline = results.Find(r => r.Engine == storage.BaselineEngine);
            foreach (EngineResult result in results)
            {
                report.WriteEngine(result, baseline);
            }

            report.WriteSummary(results, baseline);
            WriteOutputs(plan, results, interrupted);
            if (interrupted)
            {
                error.WriteLine("quire bench: interrupted; the figures above are partial. The bench's files were deleted.");
                return ExitCodes.Interrupted;
            }

            return failed ? ExitCodes.Failure : ExitCodes.Success;
        }
        finally
        {
            DeleteFiles(runner, storage);
        }
    }

    /// <summary>The storage <paramref name="settings"/> ask for: RBD images, or local files in a directory named after <paramref name="stem"/>.</summary>
    public static BenchStorage CreateStorage(BenchSettings settings, string stem) =>
        settings.Rbd is { } target ? new RbdBenchStorage(target) : new LocalBenchStorage(settings.Directory, stem);

    /// <summary>Creates the engine named <paramref name="name"/> for one run over <paramref name="storage"/>.</summary>
    public static BenchEngine CreateEngine(string name, BenchSettings settings, BenchStorage storage) => name switch
    {
        QuireEngine.EngineName when storage is RbdBenchStorage rbd => new QuireEngine(
            new PageCacheOptions { MemoryLimitBytes = settings.PoolBytes, PageSize = settings.PageSize },
            (cache, image) => cache.Open(rbd.Cluster.OpenImage(rbd.Target.PoolName, image, FileAccess.ReadWrite, new RbdImageOptions { MaxWritesInFlight = rbd.Target.MaxWritesInFlight }))),
        QuireEngine.EngineName => new QuireEngine(new PageCacheOptions { MemoryLimitBytes = settings.PoolBytes, PageSize = settings.PageSize }),
        RbdEngine.EngineName when storage is RbdBenchStorage rbd => new RbdEngine(rbd.Target, librbdCacheBytes: 0),
        RbdEngine.CachedEngineName when storage is RbdBenchStorage rbd => new RbdEngine(rbd.Target, librbdCacheBytes: settings.PoolBytes),
        OsEngine.EngineName => new OsEngine(),
        MmapEngine.EngineName => new MmapEngine(),
        DirectEngine.EngineName => new DirectEngine(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown engine."),
    };

    private (List<EngineResult> Results, bool Failed) RunEngines(BenchRunner runner, CancellationToken cancellationToken)
    {
        var results = new List<EngineResult>();
        bool failed = false;
        void RunAll(Func<string, Action<double>> progressFor)
        {
            foreach (string name in settings.Engines)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                Action<double> progress = progressFor(name);
                try
                {
                    using BenchEngine engine = CreateEngine(name, settings, runner.Storage);
                    EngineResult result = runner.Run(engine, report => progress(report.Fraction), cancellationToken);
                    results.Add(result);
                    progress(1);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Interrupted while preparing this engine's run (the cold start or the
                    // warm-up): no figures for it; the earlier engines' are kept.
                    return;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException or OutOfMemoryException or NotSupportedException or PageCacheInvariantException)
                {
                    // IOException covers the cache's own failures and O_DIRECT refused by the file
                    // system; an invariant failure is a bug in the cache, reported as a failure
                    // of its engine without losing the other engines' figures.
                    error.WriteLine($"quire bench: the {name} engine failed and is left out: {e.Message}");
                    failed = true;
                }
            }
        }

        if (console.Profile.Capabilities.Interactive)
        {
            console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(context => RunAll(name =>
                {
                    ProgressTask task = context.AddTask(Markup.Escape(name), maxValue: 1);
                    return fraction => task.Value = fraction;
                }));
        }
        else
        {
            RunAll(name =>
            {
                console.WriteLine($"  Running {name}...");
                return _ => { };
            });
        }

        console.WriteLine();
        return (results, failed);
    }

    private void WriteOutputs(WorkloadPlan plan, List<EngineResult> results, bool interrupted)
    {
        if (outputs.JsonPath is { } json)
        {
            BenchExport.WriteJson(json, settings, plan, results, interrupted);
            console.WriteLine($"JSON written to {json}.");
        }

        if (outputs.CsvPath is { } csv)
        {
            BenchExport.WriteCsv(csv, settings, results);
            console.WriteLine($"CSV written to {csv}.");
        }

        if (outputs.ChartPath is { } chart)
        {
            SvgChart.Write(chart, Invariant($"quire bench {settings.Workload.Name()}: pool {BenchReport.FormatBytes(settings.PoolBytes)}, file {BenchReport.FormatBytes(plan.DataFileBytes)}"), results, settings.BaselineEngine);
            console.WriteLine($"Chart written to {chart}.");
        }
    }

    private void DeleteFiles(BenchRunner runner, BenchStorage storage)
    {
        try
        {
            runner.DeleteFiles();
            storage.Cleanup();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"quire bench: could not delete the bench's files: {e.Message}");
        }
    }
}
