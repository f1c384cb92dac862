// Proves `quire bench --memory-budget`: bad combinations are usage errors naming the option
// before anything runs; the pool is the budget less the measured baseline and the headroom, and
// the headroom (16 MiB and an eighth of the budget); a budget that leaves too little is a usage error naming --memory-budget; and, where this
// process may make memory cgroups (root, a memory controller: skipped otherwise, with the
// reason), a real run puts each engine in a cgroup of its own, reports the cgroup version, the
// limit, each engine's baseline and peak and Quire's pool, and removes its cgroups and files.

using System.Text.RegularExpressions;
using Quire.Cli;
using Quire.Cli.Bench.Budget;
using Quire.Cli.Bench.Machine;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Cli;

[Collection("Writeback")]
public sealed class MemoryBudgetTests
{
    [Theory]
    [InlineData(new[] { "--memory-budget", "256MiB", "--pool", "64MiB" }, "--pool")]
    [InlineData(new[] { "--memory-budget", "256MiB", "--store", "rbd:pool/image" }, "--memory-budget")]
    [InlineData(new[] { "--budget-child", "/var/tmp/result.json" }, "--budget-child")]
    [InlineData(new[] { "--flush-every", "1MiB" }, "--flush-every")]
    public async Task OptionsThatDoNotGoTogetherAreUsageErrorsNamingTheOption(string[] options, string named)
    {
        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", .. options]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(named, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Running", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyFilesHasOneWriter()
    {
        ToolRun run = await ToolRun.RunAsync(["bench", "many-files", "--threads", "2"]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--threads", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePoolIsTheBudgetLessTheBaselineAndTheHeadroomInWholePages()
    {
        Assert.Null(BudgetChild.PoolFor(256L << 20, (40L << 20) + 100, 4096, out long pool));

        Assert.Equal(((256L << 20) - (40L << 20) - 100 - (16L << 20) - (32L << 20)) / 4096 * 4096, pool);
    }

    [Fact]
    public void ABudgetBelowTheBaselineIsAUsageErrorNamingTheOptionAndTheBaseline()
    {
        string? problem = BudgetChild.PoolFor(32L << 20, 40L << 20, 4096, out long pool);

        Assert.Equal(0, pool);
        Assert.NotNull(problem);
        Assert.StartsWith("--memory-budget 32 MiB is too small", problem, StringComparison.Ordinal);
        Assert.Contains("baseline of 40 MiB", problem, StringComparison.Ordinal);
    }

    [MemoryCgroupFact]
    public async Task ABudgetSmallerThanTheMeasuredBaselineIsAUsageErrorFromTheEnginesProcess()
    {
        using var directory = new TempDirectory();

        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", "--memory-budget", "16MiB", "--file-size", "8MiB", "--duration", "300ms", "--engines", "quire", "--directory", directory.Path]);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Matches(@"--memory-budget 16 MiB is too small: the quire engine's process measured a baseline of [\d.]+ MiB", run.Error);
        AssertCgroupsRemoved();
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    [MemoryCgroupFact]
    public async Task ADirtyRatioWithABudgetSetsTheOsDirtyLimitsForItsRunAndRestoresThem()
    {
        using var directory = new TempDirectory();
        string[] settings = ["dirty_bytes", "dirty_ratio", "dirty_background_bytes", "dirty_background_ratio"];
        string[] before = [.. settings.Select(ReadVm)];

        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", "--memory-budget", "64MiB", "--file-size", "8MiB", "--duration", "300ms", "--engines", "os", "--dirty-ratio", "0.25", "--directory", directory.Path]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains("Dirty limits: 0.25 of memory, background 0.125: Quire's DirtyRatio, and for the os and mmap engines vm.dirty_bytes 16 MiB and vm.dirty_background_bytes 8 MiB during their runs.", run.Output, StringComparison.Ordinal);
        Assert.Equal(before, settings.Select(ReadVm));

        static string ReadVm(string name) => File.ReadAllText(Path.Combine(OsDirtyLimits.SystemDirectory, name)).Trim();
    }

    [MemoryCgroupFact]
    public async Task EachEngineRunsInItsOwnCgroupAndThePeaksAndThePoolAreReported()
    {
        using var directory = new TempDirectory();
        CgroupMemoryController controller = CgroupMemoryController.DetectSelf(out _)!;

        ToolRun run = await ToolRun.RunAsync(["bench", "checkpoint", "--memory-budget", "64MiB", "--file-size", "8MiB", "--duration", "300ms", "--engines", "quire,os", "--directory", directory.Path]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains($"Memory cgroups: cgroup v{controller.Version} ({controller.MountPoint}), one per engine, made in {controller.ParentDirectory}", run.Output, StringComparison.Ordinal);
        Assert.Contains($"Memory: cgroup v{controller.Version} ({controller.MountPoint}), limit 64 MiB", run.Output, StringComparison.Ordinal);
        Assert.Contains("Each engine ran in a memory cgroup of its own limited to 64 MiB.", run.Output, StringComparison.Ordinal);

        // Each engine's row: the limit, a baseline and a peak read from its cgroup (above zero,
        // at most the limit); Quire's row also has its pool, below the budget.
        Match quire = Regex.Match(run.Output, @"│ quire +│ +64\.0 │ +([\d.]+) │ +([\d.]+) │ +\d+ % │ +([\d.]+) │");
        Match os = Regex.Match(run.Output, @"│ os +│ +64\.0 │ +([\d.]+) │ +([\d.]+) │ +\d+ % │ +│");
        Assert.True(quire.Success && os.Success, run.Output);
        foreach (Match row in (Match[])[quire, os])
        {
            double baseline = double.Parse(row.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            double peak = double.Parse(row.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(baseline, 0.1, 64);
            Assert.InRange(peak, baseline, 64);
        }

        double pool = double.Parse(quire.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(pool, 0.25, 64 - (BudgetChild.HeadroomBytes(64L << 20) >> 20));
        Assert.Matches(@"│ peak memory MiB +│ +[\d.]+ │", run.Output);
        AssertCgroupsRemoved();
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    private static void AssertCgroupsRemoved()
    {
        CgroupMemoryController controller = CgroupMemoryController.DetectSelf(out _)!;
        Assert.Empty(Directory.GetDirectories(controller.ParentDirectory, $"quire-bench-{Environment.ProcessId}-*"));
    }
}
