// BudgetedEngineRun: the bench's side of a --memory-budget run: each engine runs in a `quire
// bench` process of its own inside a memory cgroup of the budget, so the OS page cache, mmap and
// Quire get the same memory, page cache included.
//
// One engine, in order (Run):
//   1. Make the cgroup quire-bench-PID-ENGINE with the budget as its limit (MemoryCgroup).
//   2. Start `sh -c 'echo $$ > GROUP/tasks && exec "$@"' ... quire bench ... --engines ENGINE`,
//      so the process is in the group before the runtime allocates anything: everything it
//      maps, allocates and caches is charged to the group.
//   3. Wait for it (bounded: the run's duration plus ChildGrace); an interrupt asks it to stop
//      with SIGTERM, which the child treats as Ctrl+C, and kills it after ChildGrace.
//   4. Read the result it wrote and the group's peak; remove the group.
// With --dirty-ratio, the os and mmap engines run under the machine's dirty limits set to that
// fraction of the budget (OsDirtyLimits), restored when their process has exited.
// A child's usage error (the budget below its baseline) is the bench's usage error.
//
// Locking: the session's thread only.

using System.Diagnostics;
using System.Globalization;
using Quire.Cli.Bench.Engines;
using Quire.Cli.Bench.Machine;
using static System.FormattableString;

namespace Quire.Cli.Bench.Budget;

internal sealed class BudgetedEngineRun(CgroupMemoryController controller, BenchSettings settings, string directory, string osDirectory = OsDirtyLimits.SystemDirectory)
{
    /// <summary>The hidden option that makes `quire bench` a budgeted child writing its result to the file named.</summary>
    public const string ChildOptionName = "--budget-child";

    // 2 minutes: how much longer than its duration a child may take (start-up, cold start,
    // prefill-sized flushes) before it is stopped, and how long a stopped child may take to exit.
    private static readonly TimeSpan s_childGrace = TimeSpan.FromMinutes(2);

    // 24 hours: the wait for a child limited by operations only (BenchOptions' longest duration).
    private static readonly TimeSpan s_longestRun = TimeSpan.FromHours(24);

    /// <summary>What became of one engine's child.</summary>
    public sealed record Outcome(int ExitCode, EngineResult? Result, string Message);

    /// <summary>Checks that a memory cgroup can be made here, by making and removing one; null when it can, else the reason.</summary>
    public static string? Probe(CgroupMemoryController controller, long budgetBytes)
    {
        ArgumentNullException.ThrowIfNull(controller);
        try
        {
            MemoryCgroup.Create(controller, Invariant($"quire-bench-{Environment.ProcessId}-probe"), budgetBytes).Dispose();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot make a memory cgroup in {controller.ParentDirectory} ({(Environment.IsPrivilegedProcess ? "running as root" : "not running as root")}): {e.Message}";
        }
    }

    /// <summary>Runs <paramref name="engineName"/> in its own process and cgroup (the steps above).</summary>
    public Outcome Run(string engineName, CancellationToken cancellationToken)
    {
        long budget = settings.MemoryBudgetBytes!.Value;
        string resultPath = Path.Combine(directory, $"quire-bench-result-{engineName}.json");
        File.Delete(resultPath);
        using MemoryCgroup group = MemoryCgroup.Create(controller, Invariant($"quire-bench-{Environment.ProcessId}-{engineName}"), budget);
        int exitCode;
        string childError;
        using (SetOsDirtyLimits(engineName, budget))
        {
            (exitCode, childError) = RunChild(group, engineName, resultPath, cancellationToken);
        }

        long peak = group.ReadPeakBytes();
        long oomKills = group.ReadOomKills();
        try
        {
            if (exitCode is ExitCodes.Success or ExitCodes.Interrupted && File.Exists(resultPath))
            {
                EngineResult result = EngineResultFile.Read(resultPath) with { MemoryPeakBytes = peak };
                return new Outcome(exitCode, result, childError);
            }

            string message = oomKills > 0
                ? Invariant($"the {engineName} engine's process was killed by the OOM killer of its cgroup (limit {BenchReport.FormatBytes(budget)}, peak {BenchReport.FormatBytes(peak)}); give a larger --memory-budget.")
                : Invariant($"the {engineName} engine's process exited with code {exitCode}: {childError.Trim()}");
            return new Outcome(exitCode == ExitCodes.Success ? ExitCodes.Failure : exitCode, null, exitCode == ExitCodes.Usage ? childError.Trim() : message);
        }
        finally
        {
            File.Delete(resultPath);
        }
    }

    /// <summary>
    /// With --dirty-ratio, the OS's dirty limits for an engine that writes through the OS page
    /// cache, as that fraction of the budget (and half of it), until disposed; else null.
    /// </summary>
    private OsDirtyLimits? SetOsDirtyLimits(string engineName, long budget) =>
        settings.DirtyRatio is { } ratio && engineName is OsEngine.EngineName or MmapEngine.EngineName
            ? OsDirtyLimits.Set((long)(budget * ratio), (long)(budget * ratio / 2), osDirectory)
            : null;

    private (int ExitCode, string Error) RunChild(MemoryCgroup group, string engineName, string resultPath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["-c", "echo $$ > \"$0\" && exec \"$@\"", group.ProcessesPath, .. HostCommand(), .. ChildArguments(engineName, resultPath)])
        {
            start.ArgumentList.Add(argument);
        }

        using Process child = Process.Start(start) ?? throw new IOException("Could not start the engine's process (sh).");
        Task<string> output = child.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> errors = child.StandardError.ReadToEndAsync(CancellationToken.None);
        TimeSpan limit = (settings.Duration ?? s_longestRun) + s_childGrace;
        bool exited;
        bool overTime = false;
        try
        {
            exited = child.WaitForExitAsync(CancellationToken.None).Wait(limit, cancellationToken);
            overTime = !exited;
        }
        catch (OperationCanceledException)
        {
            exited = false;
        }

        if (!exited && !child.HasExited)
        {
            // Interrupted or over time: ask the child to stop (it writes its partial result),
            // then end it by its id.
            NativeMethods.Terminate(child.Id);
            if (!child.WaitForExit(s_childGrace))
            {
                child.Kill();
                child.WaitForExit(s_childGrace);
            }
        }

        child.WaitForExit();
        Task.WaitAll([output, errors], s_childGrace);
        string error = errors.IsCompletedSuccessfully ? errors.Result : string.Empty;
        if (overTime)
        {
            error += Invariant($" It was stopped after {limit.TotalSeconds:0} s.");
        }

        return (child.ExitCode, error);
    }

    /// <summary>How to start this tool again: the dotnet host and the tool's assembly.</summary>
    private static string[] HostCommand()
    {
        string assembly = typeof(BudgetedEngineRun).Assembly.Location;
        string? process = Environment.ProcessPath;
        string host = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? process
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return [host, assembly];
    }

    private string[] ChildArguments(string engineName, string resultPath)
    {
        var arguments = new List<string>
        {
            "bench", settings.Workload.Name(),
            "--engines", engineName,
            "--memory-budget", Number(settings.MemoryBudgetBytes!.Value),
            "--page-size", Number(settings.PageSize),
            "--threads", Number(settings.Threads),
            "--seed", Number(settings.Seed),
            "--directory", directory,
            "--cold", settings.ColdCache switch { ColdCacheMethod.Fadvise => "fadvise", ColdCacheMethod.DropCaches => "drop-caches", _ => "auto" },
            ChildOptionName, resultPath,
        };
        if (settings.Workload == BenchWorkload.Checkpoint)
        {
            arguments.AddRange(["--flush-every", Number(settings.FlushEveryBytes)]);
        }

        if (settings.DirtyRatio is { } ratio)
        {
            arguments.AddRange(["--dirty-ratio", ratio.ToString("R", CultureInfo.InvariantCulture)]);
        }

        if (settings.WritesInFlight is { } writes)
        {
            arguments.AddRange(["--writes-in-flight", Number(writes)]);
        }

        if (settings.FileBytes is { } fileBytes)
        {
            arguments.AddRange(["--file-size", Number(fileBytes)]);
        }

        if (settings.Duration is { } duration)
        {
            arguments.AddRange(["--duration", duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms"]);
        }

        if (settings.Operations is { } operations)
        {
            arguments.AddRange(["--ops", Number(operations)]);
        }

        return [.. arguments];
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
