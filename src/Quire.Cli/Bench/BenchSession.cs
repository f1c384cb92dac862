// BenchSession: one `quire bench` run: makes the storage (a directory, or RBD images) and the shared files, runs each engine
// in turn with a progress display, prints the tables, writes the JSON, CSV and chart, and deletes
// what it created. An engine that fails is reported and skipped; an interrupt stops the current
// engine, and the figures so far are printed and written.
//
// With --memory-budget, each engine runs in a process of its own inside a memory cgroup of the
// budget (BudgetedEngineRun); where no such cgroup can be made the bench says so and runs
// nothing, rather than compare engines with unequal memory. Write workloads measure the device's
// own write bandwidth before and after the engines (DeviceReference), the denominator of "vs device".
//
// Progress: Spectre's Progress on an interactive console; a plain line per engine otherwise
// (live rendering writes cursor codes that would garble redirected output).
// Single-threaded; not thread-safe.

using Quire.Ceph;
using Quire.Cli.Bench.Budget;
using Quire.Cli.Bench.Engines;
using Quire.Cli.Bench.Machine;
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
        CgroupMemoryController? controller = null;
        if (settings.MemoryBudgetBytes is { } budget)
        {
            controller = CgroupMemoryController.DetectSelf(out string reason);
            string? problem = controller is null ? reason : BudgetedEngineRun.Probe(controller, budget);
            if (problem is not null)
            {
                error.WriteLine($"quire bench: --memory-budget cannot be honoured here, so no engine ran (engines are not compared with unequal memory): {problem}.");
                return ExitCodes.Usage;
            }
        }

        using BenchStorage storage = CreateStorage(settings, "quire-bench");
        WorkloadPlan plan = WorkloadPlan.For(settings);
        var runner = new BenchRunner(settings, plan, storage);
        try
        {
            storage.Prepare(plan.DataFileBytes + plan.SecondFileBytes);
            BudgetedEngineRun? budgeted = null;
            if (controller is not null && storage is LocalBenchStorage local)
            {
                if (MountTable.ReadSelf().MountOf(local.Directory) is { FileSystemType: "tmpfs" or "ramfs" } memory)
                {
                    error.WriteLine($"quire bench: --memory-budget needs the files on a disk, so that the OS engine's page cache is charged to its cgroup, but '{local.Directory}' is on {memory.FileSystemType}; give --directory on a disk.");
                    return ExitCodes.Usage;
                }

                budgeted = new BudgetedEngineRun(controller, settings, local.Directory);
            }

            var report = new BenchReport(console, storage.BaselineEngine);
            report.WriteHeader(settings, plan, storage);
            if (controller is not null)
            {
                console.WriteLine($"Memory cgroups: {controller.Describe()}, one per engine, made in {controller.ParentDirectory} and removed afterwards.");
            }

            console.WriteLine($"Device busy: {runner.DiskActivitySource}.");
            console.WriteLine(plan.PrefillData ? "Writing the files the engines share (untimed)..." : "Each engine writes its file anew (created sparse at full length, untimed).");
            runner.PrepareSharedFiles(cancellationToken);
            (double? deviceBefore, string? deviceProblem) = MeasureDevice(storage, plan, preallocate: true, cancellationToken);
            (double? deviceNew, _) = deviceBefore is null ? (null, null) : MeasureDevice(storage, plan, preallocate: false, cancellationToken);

            (List<EngineResult> results, bool failed, string? usage) = RunEngines(runner, budgeted, cancellationToken);
            if (usage is not null)
            {
                error.WriteLine($"quire bench: {usage}");
                return ExitCodes.Usage;
            }

            (double? deviceAfter, _) = deviceBefore is null || cancellationToken.IsCancellationRequested ? (null, null) : MeasureDevice(storage, plan, preallocate: true, cancellationToken);
            DeviceReferenceResult? device = deviceBefore is { } b && deviceNew is { } n ? new DeviceReferenceResult(DeviceReference.BytesFor(plan.DataFileBytes), b, deviceAfter, n) : null;
            bool interrupted = results.Exists(r => r.Interrupted) || cancellationToken.IsCancellationRequested;
            EngineResult? baseline = results.Find(r => r.Engine == storage.BaselineEngine);
            foreach (EngineResult result in results)
            {
                report.WriteEngine(result, baseline);
            }

            if (settings.MemoryBudgetBytes is { } limit && controller is not null)
            {
                report.WriteMemory(results, limit, controller.Describe());
            }

            report.WriteDeviceReference(device, deviceProblem);
            report.WriteSummary(results, baseline, device);
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
        settings.Rbd is { } target ? new RbdBenchStorage(target)
        : new LocalBenchStorage(settings.Directory, stem, settings.MemoryBudgetBytes is null ? null : LocalBenchStorage.DiskTemporaryDirectory);

    /// <summary>Creates the engine named <paramref name="name"/> for one run over <paramref name="storage"/>.</summary>
    public static BenchEngine CreateEngine(string name, BenchSettings settings, BenchStorage storage) => name switch
    {
        QuireEngine.EngineName when storage is RbdBenchStorage rbd => new QuireEngine(
            QuireOptions(settings),
            (cache, image) => cache.Open(rbd.Cluster.OpenImage(rbd.Target.PoolName, image, FileAccess.ReadWrite, new RbdImageOptions { MaxWritesInFlight = rbd.Target.MaxWritesInFlight }))),
        // With a memory budget the store is O_DIRECT, so the data is cached once, in the pool: a
        // buffered store would also fill the OS page cache, charged to the same cgroup, and a
        // pool of the whole budget would leave that page cache no room (the cgroup's OOM killer
        // ended a 256 MiB run with a buffered store).
        QuireEngine.EngineName => new QuireEngine(QuireOptions(settings, useDirectIO: settings.MemoryBudgetBytes is not null)),
        RbdEngine.EngineName when storage is RbdBenchStorage rbd => new RbdEngine(rbd.Target, librbdCacheBytes: 0),
        RbdEngine.CachedEngineName when storage is RbdBenchStorage rbd => new RbdEngine(rbd.Target, librbdCacheBytes: settings.PoolBytes),
        OsEngine.EngineName => new OsEngine(),
        MmapEngine.EngineName => new MmapEngine(),
        DirectEngine.EngineName => new DirectEngine(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown engine."),
    };

    /// <summary>The quire engine's options: its pool and page size, and the dirty ratio and writes in flight when they were given.</summary>
    private static PageCacheOptions QuireOptions(BenchSettings settings, bool useDirectIO = false)
    {
        var defaults = new PageCacheOptions();
        return new PageCacheOptions
        {
            MemoryLimitBytes = settings.QuirePoolBytes,
            PageSize = settings.PageSize,
            UseDirectIO = useDirectIO,
            DirtyRatio = settings.DirtyRatio ?? defaults.DirtyRatio,
            BackgroundDirtyRatio = settings.DirtyRatio / 2 ?? defaults.BackgroundDirtyRatio,
            MaxWritesInFlight = settings.WritesInFlight ?? defaults.MaxWritesInFlight,
        };
    }

    /// <summary>The device reference's MiB/s for a write workload over local files, or null with the reason when there is none.</summary>
    private static (double? MiBPerSecond, string? Problem) MeasureDevice(BenchStorage storage, WorkloadPlan plan, bool preallocate, CancellationToken cancellationToken)
    {
        if (!plan.Writes || storage is not LocalBenchStorage local || cancellationToken.IsCancellationRequested)
        {
            return (null, plan.Writes && storage is not LocalBenchStorage ? "the files are not local" : null);
        }

        try
        {
            return (DeviceReference.MeasureMiBPerSecond(local.Directory, DeviceReference.BytesFor(plan.DataFileBytes), preallocate, cancellationToken), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (null, "interrupted");
        }
        catch (IOException e)
        {
            return (null, e.Message);
        }
    }

    private (List<EngineResult> Results, bool Failed, string? Usage) RunEngines(BenchRunner runner, BudgetedEngineRun? budgeted, CancellationToken cancellationToken)
    {
        var results = new List<EngineResult>();
        bool failed = false;
        string? usage = null;
        void RunAll(Func<string, Action<double>> progressFor)
        {
            foreach (string name in settings.Engines)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                Action<double> progress = progressFor(name);
                if (budgeted is not null)
                {
                    BudgetedEngineRun.Outcome outcome = budgeted.Run(name, cancellationToken);
                    if (outcome.Result is { } budgetedResult)
                    {
                        results.Add(budgetedResult);
                        progress(1);
                    }
                    else if (outcome.ExitCode == ExitCodes.Usage)
                    {
                        usage = outcome.Message;
                        return;
                    }
                    else if (outcome.ExitCode != ExitCodes.Interrupted)
                    {
                        error.WriteLine($"quire bench: the {name} engine failed and is left out: {outcome.Message}");
                        failed = true;
                    }

                    continue;
                }

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
                bool timing = false;
                return fraction =>
                {
                    // The first sample of the timed phase: the cold start and the warm-up are over.
                    if (!timing && fraction < 1)
                    {
                        timing = true;
                        console.WriteLine($"  Timing {name}...");
                    }
                };
            });
        }

        console.WriteLine();
        return (results, failed, usage);
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
