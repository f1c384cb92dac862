// TopCommand: the `quire top` command: runs a workload through a PageCache of its own and shows
// the cache's state each second (TopView): a live table on an interactive terminal, a plain line
// per second otherwise.
//
// Exit codes: 2 for a bad command line (the message names the option), 1 when the run failed,
// 130 when interrupted, 0 otherwise. The files, and the directory when the command made it, are
// deleted in every case.

using System.CommandLine;
using Quire.Cli.Bench;
using Quire.Cli.Bench.Engines;
using Quire.Cli.Bench.Storage;
using Spectre.Console;
using static System.FormattableString;

namespace Quire.Cli.Commands;

internal static class TopCommand
{
    // 1 s: the refresh interval, as top's default is (3 s there; 1 s shows the page writer's passes).
    private static readonly TimeSpan s_refreshInterval = TimeSpan.FromSeconds(1);

    public static Command Create(IAnsiConsole console)
    {
        BenchOptions options = BenchOptions.Create();
        var workload = new Option<string>("--workload")
        {
            Description = "The workload to run under the cache: " + string.Join(", ", BenchWorkloads.Names) + ".",
            DefaultValueFactory = _ => "mixed",
        };
        workload.Validators.Add(result => BenchWorkloads.RequireName(result, "--workload"));
        var command = new Command("top", "Runs a workload through a cache and shows, each second, its frames per queue, dirty bytes against the thresholds, writeback rate, throttle pauses and hit ratio.")
        {
            workload,
        };
        options.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            BenchWorkload chosen = BenchWorkloads.Parse(parseResult.GetValue(workload));
            BenchSettings settings = options.Settings(parseResult, chosen, [QuireEngine.EngineName]);
            return Task.FromResult(Run(console, parseResult.InvocationConfiguration.Error, settings, cancellationToken));
        });
        return command;
    }

    internal static int Run(IAnsiConsole console, TextWriter error, BenchSettings settings, CancellationToken cancellationToken)
    {
        bool ownsDirectory = settings.Directory is null;
        string directory = settings.Directory ?? Path.Combine(Path.GetTempPath(), "quire-top-" + Guid.NewGuid().ToString("N"));
        WorkloadPlan plan = WorkloadPlan.For(settings);
        var runner = new BenchRunner(settings, plan, new LocalBenchStorage(directory, "quire-top"));
        try
        {
            if (ownsDirectory)
            {
                Directory.CreateDirectory(directory);
            }

            string title = Invariant($"quire top: {settings.Workload.Name()}, pool {BenchReport.FormatBytes(settings.PoolBytes)}, file {BenchReport.FormatBytes(plan.DataFileBytes)}, {settings.Threads} thread(s)");
            console.WriteLine(title);
            runner.PrepareSharedFiles(cancellationToken);
            using var engine = (QuireEngine)BenchSession.CreateEngine(QuireEngine.EngineName, settings, runner.Storage);
            EngineResult result = RunWithView(console, runner, engine, title, cancellationToken);
            console.WriteLine(Invariant(
                $"Done: {result.Operations} operations in {result.Elapsed.TotalSeconds:F1} s ({result.OperationsPerSecond:F0} ops/s), stopped by {result.StoppedBy}; {result.ThrottlePauses ?? 0} throttle pauses; peak not durable {(result.PeakDirtyBytes ?? 0) / (double)(1 << 20):F1} MiB."));
            if (result.Interrupted)
            {
                error.WriteLine("quire top: interrupted; the files were deleted.");
                return ExitCodes.Interrupted;
            }

            return ExitCodes.Success;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("quire top: interrupted; the files were deleted.");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException or OutOfMemoryException)
        {
            error.WriteLine($"quire top: {e.Message}");
            return ExitCodes.Failure;
        }
        finally
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
                error.WriteLine($"quire top: could not delete the files in '{directory}': {e.Message}");
            }
        }
    }

    private static EngineResult RunWithView(IAnsiConsole console, BenchRunner runner, QuireEngine engine, string title, CancellationToken cancellationToken)
    {
        var view = new TopView();
        double nextRefreshSeconds = s_refreshInterval.TotalSeconds;
        TopView.Frame? last = null;

        // Refreshes once a second of the run has passed, and once more at the end.
        bool Due(BenchProgress report)
        {
            if (report.Sample.ElapsedSeconds < nextRefreshSeconds && !report.Finished)
            {
                return false;
            }

            nextRefreshSeconds = report.Sample.ElapsedSeconds + s_refreshInterval.TotalSeconds;
            return true;
        }

        if (!console.Profile.Capabilities.Interactive)
        {
            EngineResult plain = runner.Run(
                engine,
                report =>
                {
                    if (Due(report) && report.Snapshot.Statistics is { } statistics)
                    {
                        last = view.Next(report.Sample.ElapsedSeconds, statistics, report.Sample.Operations);
                        console.WriteLine(TopView.Line(last));
                    }
                },
                cancellationToken);
            return plain;
        }

        EngineResult? result = null;
        console.Live(new Text("Starting...")).Start(context =>
        {
            result = runner.Run(
                engine,
                report =>
                {
                    if (Due(report) && report.Snapshot.Statistics is { } statistics)
                    {
                        last = view.Next(report.Sample.ElapsedSeconds, statistics, report.Sample.Operations);
                        context.UpdateTarget(TopView.Render(title, last));
                        context.Refresh();
                    }
                },
                cancellationToken);
        });
        return result!;
    }
}
