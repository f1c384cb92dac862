// Proves `quire demo` runs end to end and reports what it promises, and that bad command lines are
// usage errors naming the option: each test runs the tool's real entry point (Program.RunAsync) in
// a tiny configuration with its console, output and error captured, and checks the exit code, the
// text and what is left on disk.

using System.Reflection;
using System.Text.RegularExpressions;
using Quire.Cli;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Cli;

public sealed class DemoCommandTests
{
    private static readonly Regex s_ratioLine = new(@"Ratio, Quire / plain: \d+\.\d+x \((Quire|plain I/O) is faster\)");

    [Fact]
    public async Task DemoSucceedsAndPrintsEveryStepWithItsRatio()
    {
        using var directory = new TempDirectory();

        ToolRun run = await ToolRun.RunAsync(["demo", "--memory-mb", "1", "--file-mb", "4", "--directory", directory.Path]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(string.Empty, run.Error);
        Assert.Contains("1. Sequential write", run.Output, StringComparison.Ordinal);
        Assert.Contains("2. Random 4 KiB reads of a hot set", run.Output, StringComparison.Ordinal);
        Assert.Contains("3. Sequential read", run.Output, StringComparison.Ordinal);
        Assert.Contains("4. Advice: DontNeed", run.Output, StringComparison.Ordinal);
        Assert.Contains("Final statistics", run.Output, StringComparison.Ordinal);

        // One ratio under each of the three timed comparisons.
        Assert.Equal(3, s_ratioLine.Count(run.Output));
        Assert.Matches(@"MiB/s", run.Output);
        Assert.Matches(@"Reads/s", run.Output);
        Assert.Matches(@"Quire's hit ratio in the timed reads: \d+\.\d\d ?% \(\d+ hits, \d+ misses\)", run.Output);
        Assert.Matches(@"FreeFrames before: \d+ of 256; after: \d+ of 256\.", run.Output);
        Assert.Matches(@"Verified: all \d+ bytes read back", run.Output);
    }

    [Fact]
    public async Task DemoShowsTheStatisticsOfEachStepAndEveryStatisticAtTheEnd()
    {
        using var directory = new TempDirectory();

        ToolRun run = await ToolRun.RunAsync(["demo", "--memory-mb", "1", "--file-mb", "4", "--directory", directory.Path]);

        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (string name in (string[])["WriteIos", "AverageWriteBytes", "Evictions", "DurableFlushes", "ReadIos", "ReadAheadPages"])
        {
            Assert.Contains(name, run.Output, StringComparison.Ordinal);
        }

        // The final table has a row with a value for every public property of the snapshot.
        string finalTable = run.Output[run.Output.IndexOf("Final statistics", StringComparison.Ordinal)..];
        foreach (PropertyInfo property in typeof(PageCacheStatistics).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Assert.Matches(new Regex($@"│ {property.Name} +│ +\d[\d.]*( ?%| ms)? │"), finalTable);
        }
    }

    [Fact]
    public async Task DemoDeletesItsFilesFromTheDirectoryItIsGiven()
    {
        using var directory = new TempDirectory();
        string unrelated = directory.File("unrelated.txt");
        await File.WriteAllTextAsync(unrelated, "not the demo's");

        ToolRun run = await ToolRun.RunAsync(["demo", "--memory-mb", "1", "--file-mb", "2", "--directory", directory.Path]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal([unrelated], Directory.GetFileSystemEntries(directory.Path));
    }

    [Fact]
    public async Task DemoDeletesTheTemporaryDirectoryItCreates()
    {
        ToolRun run = await ToolRun.RunAsync(["demo", "--memory-mb", "1", "--file-mb", "2"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Match match = Regex.Match(run.Output, @"Directory: (\S+) \(new, deleted afterwards\)");
        Assert.True(match.Success, run.Output);
        Assert.StartsWith("/var/tmp/quire-demo-", match.Groups[1].Value, StringComparison.Ordinal);
        Assert.False(Directory.Exists(match.Groups[1].Value), $"'{match.Groups[1].Value}' was left behind.");
    }

    [Fact]
    public async Task DemoRefusesToOverwriteAnExistingFileAndKeepsIt()
    {
        using var directory = new TempDirectory();
        string existing = directory.File("quire-demo-cached.dat");
        await File.WriteAllTextAsync(existing, "someone else's");

        ToolRun run = await ToolRun.RunAsync(["demo", "--memory-mb", "1", "--file-mb", "2", "--directory", directory.Path]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("quire-demo-cached.dat", run.Error, StringComparison.Ordinal);
        Assert.Equal("someone else's", await File.ReadAllTextAsync(existing));
        Assert.Equal([existing], Directory.GetFileSystemEntries(directory.Path));
    }

    [Fact]
    public async Task InterruptedDemoExitsWith130AndDeletesItsFiles()
    {
        using var directory = new TempDirectory();
        using var interrupt = new CancellationTokenSource();

        // Interrupt as soon as the first step's heading is printed, so the write loop sees it.
        ToolRun run = await ToolRun.RunAsync(
            ["demo", "--memory-mb", "1", "--file-mb", "4", "--directory", directory.Path],
            onOutput: text =>
            {
                if (text.Contains("1. Sequential write", StringComparison.Ordinal))
                {
                    interrupt.Cancel();
                }
            },
            interrupt.Token);

        Assert.Equal(ExitCodes.Interrupted, run.ExitCode);
        Assert.Contains("quire demo: interrupted; the demo's files were deleted.", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("2. Random", run.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    [Theory]
    [InlineData("--memory-mb", "0")]
    [InlineData("--memory-mb", "-3")]
    [InlineData("--memory-mb", "abc")]
    [InlineData("--memory-mb", "65537")]
    [InlineData("--file-mb", "0")]
    [InlineData("--file-mb", "1.5")]
    [InlineData("--page-size", "1000")]
    [InlineData("--page-size", "2048")]
    [InlineData("--page-size", "131072")]
    [InlineData("--page-size", "12288")]
    [InlineData("--seed", "one")]
    [InlineData("--directory", "/nonexistent/quire-demo-directory")]
    public async Task BadOptionValueIsAUsageErrorThatNamesTheOption(string option, string value)
    {
        ToolRun run = await ToolRun.RunAsync(["demo", option, value]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(option, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Sequential write", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileNoLargerThanThePoolIsAUsageErrorThatNamesBothOptions()
    {
        ToolRun run = await ToolRun.RunAsync(["demo", "--memory-mb", "4", "--file-mb", "4"]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--file-mb", run.Error, StringComparison.Ordinal);
        Assert.Contains("--memory-mb", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultFileSizeIsChecked()
    {
        // The default pool (64 MiB) with an explicit smaller file: the check uses the default.
        ToolRun run = await ToolRun.RunAsync(["demo", "--file-mb", "64"]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--memory-mb (64)", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("demo", "--bogus")]
    [InlineData("frobnicate")]
    [InlineData]
    public async Task UnknownOrMissingCommandIsAUsageError(params string[] args)
    {
        ToolRun run = await ToolRun.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.NotEqual(string.Empty, run.Error);
    }

    [Fact]
    public async Task HelpListsEveryDemoOption()
    {
        ToolRun run = await ToolRun.RunAsync(["demo", "--help"]);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        foreach (string option in (string[])["--memory-mb", "--file-mb", "--page-size", "--seed", "--directory"])
        {
            Assert.Contains(option, run.Output, StringComparison.Ordinal);
        }
    }
}
