// Proves `quire top` runs a workload under a cache and, when the output is not a terminal, prints
// a plain line each second with the frames per queue, dirty bytes against the thresholds,
// writeback rate, throttle pauses and hit ratio; that it deletes its files; that bad command lines
// are usage errors naming the option; and that the dirty bar marks both thresholds.

using System.Globalization;
using System.Text.RegularExpressions;
using Quire.Cli;
using Quire.Cli.Bench;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Cli;

[Collection("Writeback")]
public sealed class TopCommandTests
{
    private static readonly Regex s_line = new(
        @"t= *\d+\.\ds frames free \d+ active \d+ inactive \d+ pinned \d+ \| not durable \d+\.\d MiB \(background \d+\.\d, limit \d+\.\d\) \| writeback \d+\.\d MiB/s \| throttle pauses \+\d+ \(\d+ total\) \| hit ratio (\d+\.\d ?%|n/a) \| \d+ ops/s");

    [Fact]
    public async Task TopPrintsAPlainLineEachSecondWhenTheOutputIsNotATerminal()
    {
        using var directory = new TempDirectory();

        ToolRun run = await ToolRun.RunAsync(["top", "--workload", "mixed", "--pool", "1MiB", "--file-size", "2MiB", "--duration", "1500ms", "--directory", directory.Path]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(string.Empty, run.Error);

        // One line after the first second, one more for each further second the workers take to
        // stop on a loaded machine, and one at the end; lines are at least a second apart but for
        // the last.
        double[] times = [.. s_line.Matches(run.Output).Select(m => double.Parse(Regex.Match(m.Value, @"t= *(\d+\.\d)s").Groups[1].Value, CultureInfo.InvariantCulture))];
        Assert.True(times.Length >= 2, run.Output);
        Assert.True(times[0] >= 1.0, run.Output);
        for (int i = 1; i < times.Length - 1; i++)
        {
            Assert.True(times[i] - times[i - 1] >= 0.95, run.Output);
        }
        Assert.Matches(@"Done: \d+ operations in \d+\.\d s \(\d+ ops/s\), stopped by duration", run.Output);
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    [Fact]
    public async Task TopOfAThrottledWriterShowsItsPauses()
    {
        using var directory = new TempDirectory();

        ToolRun run = await ToolRun.RunAsync(["top", "--workload", "throttle", "--pool", "1MiB", "--file-size", "8MiB", "--directory", directory.Path]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.True(s_line.Count(run.Output) >= 1, run.Output);
        Assert.Matches(@"stopped by end of file; \d+ throttle pauses", run.Output);
    }

    [Fact]
    public async Task InterruptedTopExitsWith130AndDeletesItsFiles()
    {
        using var directory = new TempDirectory();
        using var interrupt = new CancellationTokenSource();

        ToolRun run = await ToolRun.RunAsync(
            ["top", "--workload", "rand-read-hot", "--pool", "1MiB", "--duration", "60s", "--directory", directory.Path],
            onOutput: text =>
            {
                if (text.Contains("t=", StringComparison.Ordinal))
                {
                    interrupt.Cancel();
                }
            },
            interrupt.Token);

        Assert.Equal(ExitCodes.Interrupted, run.ExitCode);
        Assert.Contains("quire top: interrupted", run.Error, StringComparison.Ordinal);
        Assert.Matches(@"stopped by interrupted", run.Output);
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    [Theory]
    [InlineData("--workload", "everything")]
    [InlineData("--pool", "1")]
    [InlineData("--duration", "-2s")]
    [InlineData("--threads", "0")]
    public async Task BadOptionValueIsAUsageErrorThatNamesTheOption(string option, string value)
    {
        ToolRun run = await ToolRun.RunAsync(["top", option, value]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(option, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void DirtyBarMarksBothThresholdsAndFillsForTheDirtyPages()
    {
        PageCacheStatistics statistics = Statistics(notDurablePages: 50, backgroundPages: 40, limitPages: 80);

        string bar = TopView.DirtyBar(statistics);

        // Width 40 spans 1.25x the limit (100 pages): 50 pages fill 20 cells, the background
        // threshold is at cell 16 and the limit at cell 32.
        Assert.Equal(42, bar.Length);
        Assert.Equal("[" + new string('#', 16) + "|###" + new string('.', 12) + "!" + new string('.', 7) + "]", bar);
    }

    [Fact]
    public void DirtyBarOverTheLimitIsFull()
    {
        string bar = TopView.DirtyBar(Statistics(notDurablePages: 500, backgroundPages: 40, limitPages: 80));

        Assert.DoesNotContain(".", bar, StringComparison.Ordinal);
        Assert.Contains("|", bar, StringComparison.Ordinal);
        Assert.Contains("!", bar, StringComparison.Ordinal);
    }

    private static PageCacheStatistics Statistics(int notDurablePages, int backgroundPages, int limitPages) => new()
    {
        FrameCount = 1000,
        PageSize = 4096,
        FreeFrames = 0,
        ActiveFrames = 0,
        InactiveFrames = 0,
        PinnedFrames = 0,
        DirtyPages = notDurablePages,
        WritebackPages = 0,
        UnsyncedPages = 0,
        OpenFiles = 1,
        Hits = 0,
        Misses = 0,
        PagesRead = 0,
        ReadIos = 0,
        ReadAheadPages = 0,
        PagesWritten = 0,
        WriteIos = 0,
        BytesWritten = 0,
        DurableFlushes = 0,
        Evictions = 0,
        Promotions = 0,
        Deactivations = 0,
        ReadFailures = 0,
        WriteFailures = 0,
        FlushFailures = 0,
        WriteRetries = 0,
        ThrottlePauses = 0,
        ThrottleTime = TimeSpan.Zero,
        BackgroundThresholdPages = backgroundPages,
        DirtyLimitPages = limitPages,
    };
}
