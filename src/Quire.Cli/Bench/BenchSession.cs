// BenchSession: one `quire bench` run: makes the directory and the shared files, runs each engine
// in turn with a progress display, prints the tables, writes the JSON, CSV and chart, and deletes
// what it created. An engine that fails is reported and skipped; an interrupt stops the current
// engine, and the figures so far are printed and written.
//
// Progress: Spectre's Progress on an interactive console; a plain line per engine otherwise
// (live rendering writes cursor codes that would garble redirected output).
// Single-threaded; not thread-safe.

using Quire.Cli.Bench.Engines;
using Spectre.Console;
using static System.FormattableString;

namespace Quire.Cli.Bench;

internal sealed class BenchSession(IAnsiConsole console, TextWriter error, BenchSettings settings, BenchOutputs outputs)
{
    /// <summary>Runs every engine; returns the exit code.</summary>
    /// <exception cref="OperationCanceledException">Interrupted before the first engine ran.</exception>
    /// <exception cref="IOException">The directory or the shared files could not be made.</exception>
    public int Run(CancellationToken cancellationToken)
    {
        bool ownsDirectory = settings.Directory is null;
        string directory = settings.Directory ?? Path.Combine(Path.GetTempPath(), "quire-bench-" + Guid.NewGuid().ToString("N"));
        WorkloadPlan plan = WorkloadPlan.For(settings);
        var runner = new BenchRunner(settings, plan, directory);
        try
        {
            if (ownsDirectory)
            {
                Directory.CreateDirectory(directory);
            }

            RequireFreeSpace(directory, plan);
            var report = new BenchReport(console);
            report.WriteHeader(settings, plan, directory, ownsDirectory);
            console.WriteLine(plan.PrefillData ? "Writing the files the engines share (untimed)..." : "Each engine writes its file anew (created sparse at full length, untimed).");
            runner.PrepareSharedFiles(cancellationToken);

            (List<EngineResult> results, bool failed) = RunEngines(runner, cancellationToken);
            bool interrupted = results.Exists(r => r.Interrupted) || cancellationToken.IsCancellationRequested;
            EngineResult? baseline = results.Find(r => r.Engine == OsEngine.EngineName);
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
            DeleteFiles(runner, directory, ownsDirectory);
        }
    }

    /// <summary>Creates the engine named <paramref name="name"/> for one run.</summary>
    public static BenchEngine CreateEngine(string name, BenchSettings settings) => name switch
    {
        QuireEngine.EngineName => new QuireEngine(new PageCacheOptions { MemoryLimitBytes = settings.PoolBytes, PageSize = settings.PageSize }),
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
                    using BenchEngine engine = CreateEngine(name, settings);
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
            SvgChart.Write(chart, Invariant($"quire bench {settings.Workload.Name()}: pool {BenchReport.FormatBytes(settings.PoolBytes)}, file {BenchReport.FormatBytes(plan.DataFileBytes)}"), results);
            console.WriteLine($"Chart written to {chart}.");
        }
    }

    private static void RequireFreeSpace(string directory, WorkloadPlan plan)
    {
        long neededBytes = plan.DataFileBytes + plan.SecondFileBytes;
        long freeBytes = new DriveInfo(directory).AvailableFreeSpace;
        if (freeBytes < neededBytes)
        {
            throw new IOException(Invariant(
                $"The directory '{directory}' has {freeBytes >> 20} MiB free, but the bench needs {neededBytes >> 20} MiB; use --directory or a smaller --file-size."));
        }
    }

    private void DeleteFiles(BenchRunner runner, string directory, bool ownsDirectory)
    {
        try
        {
            runner.DeleteFiles();
            if (ownsDirectory && Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"quire bench: could not delete the bench's files in '{directory}': {e.Message}");
        }
    }
}
