// Proves `quire bench` runs every workload through every engine and reports what it promises: a
// well-formed table per engine and a summary of ratios, valid JSON (parsed with System.Text.Json),
// CSV with a row per engine, and a well-formed SVG chart (parsed with XDocument); that it deletes
// its files; that an interrupt exits 130 with partial figures; and that bad command lines are usage
// errors naming the option. Each run uses a tiny configuration (a 1 MiB pool, 2 MiB files, a few
// operations) through the tool's real entry point with its output captured.

using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Quire.Cli;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Cli;

[Collection("Writeback")]
public sealed class BenchCommandTests
{
    private static readonly string[] s_engines = ["quire", "os", "mmap", "direct"];

    /// <summary>The workloads that write nothing in the timed phase: the device may see no writes from them.</summary>
    private static readonly string[] s_readOnlyWorkloads = ["seq-read", "rand-read-hot", "rand-read-zipf", "scan-resistance"];

    private static readonly string[] s_figures =
        ["ops/s", "MiB/s", "p50 µs", "p99 µs", "p99.9 µs", "max µs", "hit ratio", "device read MiB", "device written MiB", "write I/Os", "avg write KiB", "peak dirty MiB",
         "flushes", "flush p50 µs", "flush p99 µs", "flush max µs", "throttle time %", "device busy %", "device write MiB/s", "peak memory MiB"];

    [Theory]
    [InlineData("seq-write")]
    [InlineData("rand-write")]
    [InlineData("seq-read")]
    [InlineData("rand-read-hot")]
    [InlineData("rand-read-zipf")]
    [InlineData("mixed")]
    [InlineData("scan-resistance")]
    [InlineData("fsync-latency")]
    [InlineData("throttle")]
    [InlineData("checkpoint")]
    [InlineData("many-files")]
    public async Task EveryWorkloadPrintsATablePerEngineAndWritesJsonCsvAndSvg(string workload)
    {
        using var directory = new TempDirectory();
        using var outputs = new TempDirectory();
        string json = outputs.File("bench.json");
        string csv = outputs.File("bench.csv");
        string chart = outputs.File("bench.svg");

        ToolRun run = await ToolRun.RunAsync(
            ["bench", workload, "--pool", "1MiB", "--file-size", "2MiB", "--ops", "40", "--duration", "5s", "--cold", "fadvise",
             "--directory", directory.Path, "--json", json, "--csv", csv, "--chart", chart]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(string.Empty, run.Error);
        AssertTables(run.Output, s_engines);
        AssertJson(json, workload, s_engines);
        AssertCsv(csv, workload, s_engines);
        AssertSvg(chart, expectTimeSeries: true);
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    [Theory]
    [InlineData("checkpoint")]
    [InlineData("many-files")]
    public async Task WriteWorkloadsReportFlushesThrottleTimeDeviceBusyAndTheDeviceReference(string workload)
    {
        using var directory = new TempDirectory();

        ToolRun run = await ToolRun.RunAsync(
            ["bench", workload, "--file-size", "8MiB", "--pool", "1MiB", "--duration", "300ms", "--engines", "quire,os", "--directory", directory.Path]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(string.Empty, run.Error);

        // The flushes in the run are counted for both engines (the last one at least), the
        // throttle's share only for Quire, and the device's busy time for both.
        Assert.Equal(2, Regex.Count(run.Output, @"│ flushes +│ +[1-9][\d,]* │"));
        Assert.Matches(@"│ throttle time % +│ +\d+\.\d\d │ +n/a │ cache statistics", run.Output);
        Assert.Matches(@"│ throttle time % +│ +n/a │", run.Output);
        Assert.Equal(2, Regex.Count(run.Output, @"│ device busy % +│ +\d+\.\d\d │"));
        Assert.Matches(@"Device reference \(16 MiB, O_DIRECT 1 MiB writes, 4 in flight, fdatasync included\): preallocated file [\d,]+ MiB/s before the engines, [\d,]+ MiB/s after; new file \(every write extends it\) [\d,]+ MiB/s\.", run.Output);
        Assert.Matches(@"│ quire +│( +(\d+\.\d\dx|n/a) │){8}", run.Output);
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    [Fact]
    public async Task FsyncLatencyMeasuresBesideALargeWriterThatRunsAsLongAsTheRun()
    {
        using var directory = new TempDirectory();

        // One pass over a 2 MiB file takes milliseconds: the large writer starts over at the
        // file's start instead of ending the run at its end.
        ToolRun run = await ToolRun.RunAsync(
            ["bench", "fsync-latency", "--file-size", "2MiB", "--pool", "1MiB", "--duration", "400ms", "--engines", "quire,os", "--directory", directory.Path]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(2, Regex.Count(run.Output, @"operations in [\d.]+ s, stopped by duration"));
        Assert.DoesNotContain("stopped by end of file", run.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    [Fact]
    public async Task ColdRunsSayHowTheCacheWasEmptied()
    {
        using var directory = new TempDirectory();

        ToolRun run = await ToolRun.RunAsync(["bench", "seq-read", "--pool", "1MiB", "--file-size", "1MiB", "--engines", "os", "--cold", "fadvise", "--directory", directory.Path]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains("Cold start before each engine: fsync + posix_fadvise(DONTNEED) on the bench's files.", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnginesRunInTheOrderGivenAndWithoutTheOsEngineRatiosAreNotAvailable()
    {
        using var directory = new TempDirectory();
        using var outputs = new TempDirectory();
        string json = outputs.File("bench.json");
        string chart = outputs.File("bench.svg");

        ToolRun run = await ToolRun.RunAsync(
            ["bench", "rand-read-hot", "--pool", "1MiB", "--ops", "30", "--engines", "mmap,quire", "--directory", directory.Path, "--json", json, "--chart", chart]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.True(run.Output.IndexOf("mmap: 30 operations", StringComparison.Ordinal) < run.Output.IndexOf("quire: 30 operations", StringComparison.Ordinal), run.Output);
        Assert.DoesNotContain("os: ", run.Output, StringComparison.Ordinal);
        using JsonDocument document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        JsonElement engines = document.RootElement.GetProperty("engines");
        Assert.Equal(["mmap", "quire"], engines.EnumerateArray().Select(e => e.GetProperty("engine").GetString()));
        Assert.Empty(engines[1].GetProperty("ratiosToOs").EnumerateObject());
        AssertSvg(chart, expectTimeSeries: true);
        Assert.Contains("No os engine in this run", await File.ReadAllTextAsync(chart), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuireReportsItsHitRatioAndTheBaselinesDoNot()
    {
        using var directory = new TempDirectory();

        ToolRun run = await ToolRun.RunAsync(["bench", "rand-read-hot", "--pool", "1MiB", "--ops", "200", "--engines", "quire,os", "--directory", directory.Path]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());

        // The file is half the pool and warmed up, so every timed read is a hit.
        Assert.Matches(@"│ hit ratio +│ +100\.00 ?% │", run.Output);
        Assert.Matches(@"│ hit ratio +│ +n/a │", run.Output);
    }

    [Fact]
    public async Task InterruptedBenchExitsWith130PrintsPartialFiguresAndDeletesItsFiles()
    {
        using var directory = new TempDirectory();
        using var interrupt = new CancellationTokenSource();

        ToolRun run = await ToolRun.RunAsync(
            ["bench", "rand-read-hot", "--pool", "1MiB", "--duration", "60s", "--directory", directory.Path],
            onOutput: text =>
            {
                // Interrupted once the timed phase runs (not while the engine is prepared, which
                // leaves no figures to print), however slowly the machine prepares it.
                if (text.Contains("Timing quire", StringComparison.Ordinal))
                {
                    interrupt.Cancel();
                }
            },
            interrupt.Token);

        Assert.Equal(ExitCodes.Interrupted, run.ExitCode);
        Assert.Contains("quire bench: interrupted; the figures above are partial.", run.Error, StringComparison.Ordinal);
        Assert.Matches(@"quire: \d+ operations in [\d.]+ s, stopped by interrupted", run.Output);
        Assert.DoesNotContain("Running os", run.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    [Fact]
    public async Task WritesInFlightSetTheQuireEnginesAndTheReportSaysSo()
    {
        using var directory = new TempDirectory();
        string jsonPath = Path.Combine(directory.Path, "out.json");

        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", "--pool", "1MiB", "--file-size", "1MiB", "--engines", "quire", "--writes-in-flight", "3", "--json", jsonPath, "--directory", directory.Path]);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains("Writes in flight: the quire engine's writebacks keep up to 3 at the device (MaxWritesInFlight).", run.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(jsonPath));
        Assert.Equal(3, json.RootElement.GetProperty("writesInFlight").GetInt32());
    }

    [Fact]
    public async Task WritesInFlightWithAnRbdStoreIsAUsageErrorThatNamesTheRbdOption()
    {
        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", "--store", "rbd:pool/image", "--writes-in-flight", "3"]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--rbd-writes-in-flight", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADirtyRatioWithoutABudgetSetsQuiresAloneAndSaysSo()
    {
        using var directory = new TempDirectory();

        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", "--pool", "1MiB", "--file-size", "1MiB", "--engines", "quire", "--dirty-ratio", "0.5", "--directory", directory.Path]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains("Dirty limits: Quire's DirtyRatio 0.5, background 0.25; the OS keeps its own", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchDeletesTheTemporaryDirectoryItCreates()
    {
        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", "--pool", "1MiB", "--file-size", "1MiB", "--engines", "quire"]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Match match = Regex.Match(run.Output, @"Directory: (\S+) \(new, deleted afterwards\)");
        Assert.True(match.Success, run.Output);
        Assert.StartsWith(Path.Combine(Path.GetTempPath(), "quire-bench-"), match.Groups[1].Value, StringComparison.Ordinal);
        Assert.False(Directory.Exists(match.Groups[1].Value), $"'{match.Groups[1].Value}' was left behind.");
    }

    [Theory]
    [InlineData("--pool", "0")]
    [InlineData("--pool", "abc")]
    [InlineData("--pool", "100KiB")]
    [InlineData("--pool", "65GiB")]
    [InlineData("--file-size", "1KiB")]
    [InlineData("--file-size", "lots")]
    [InlineData("--page-size", "1000")]
    [InlineData("--page-size", "131072")]
    [InlineData("--threads", "0")]
    [InlineData("--threads", "1000")]
    [InlineData("--threads", "two")]
    [InlineData("--duration", "0s")]
    [InlineData("--duration", "10")]
    [InlineData("--duration", "forever")]
    [InlineData("--ops", "0")]
    [InlineData("--ops", "-5")]
    [InlineData("--seed", "one")]
    [InlineData("--engines", "quire,foo")]
    [InlineData("--engines", "os,os")]
    [InlineData("--cold", "freezing")]
    [InlineData("--directory", "/nonexistent/quire-bench-directory")]
    [InlineData("--json", "/nonexistent/quire-bench/out.json")]
    [InlineData("--csv", "/nonexistent/quire-bench/out.csv")]
    [InlineData("--chart", "/nonexistent/quire-bench/out.svg")]
    [InlineData("--memory-budget", "lots")]
    [InlineData("--memory-budget", "0")]
    [InlineData("--memory-budget", "1MiB")]
    [InlineData("--memory-budget", "100GiB")]
    [InlineData("--flush-every", "often")]
    [InlineData("--flush-every", "1KiB")]
    [InlineData("--dirty-ratio", "0")]
    [InlineData("--dirty-ratio", "1.5")]
    [InlineData("--dirty-ratio", "lots")]
    [InlineData("--writes-in-flight", "0")]
    [InlineData("--writes-in-flight", "257")]
    [InlineData("--writes-in-flight", "many")]
    public async Task BadOptionValueIsAUsageErrorThatNamesTheOption(string option, string value)
    {
        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", option, value]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(option, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("operations in", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PoolOfTooFewPagesIsAUsageErrorThatNamesBothOptions()
    {
        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", "--pool", "1MiB", "--page-size", "65536"]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--pool", run.Error, StringComparison.Ordinal);
        Assert.Contains("--page-size", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("random-walk")]
    [InlineData("SEQ-WRITE")]
    public async Task UnknownWorkloadIsAUsageErrorThatNamesTheArgument(string workload)
    {
        ToolRun run = await ToolRun.RunAsync(["bench", workload]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("WORKLOAD", run.Error, StringComparison.Ordinal);
        Assert.Contains("seq-write", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingWorkloadIsAUsageError()
    {
        ToolRun run = await ToolRun.RunAsync(["bench"]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("WORKLOAD", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpListsEveryBenchOption()
    {
        ToolRun run = await ToolRun.RunAsync(["bench", "--help"]);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.DoesNotContain("--budget-child", run.Output, StringComparison.Ordinal);
        foreach (string option in (string[])["--pool", "--file-size", "--page-size", "--threads", "--duration", "--ops", "--seed", "--engines", "--json", "--csv", "--chart", "--directory", "--cold", "--memory-budget", "--flush-every", "--dirty-ratio", "--writes-in-flight"])
        {
            Assert.Contains(option, run.Output, StringComparison.Ordinal);
        }
    }

    private static void AssertTables(string output, string[] engines)
    {
        foreach (string engine in engines)
        {
            Assert.Matches(new Regex($@"{engine}: \d+ operations in \d+\.\d\d s, stopped by (end of file|operation count|duration)"), output);
        }

        // Each figure has a row in every engine's table: a name, a value (a number, a percentage
        // or n/a), a ratio to os (blank in os's own table) and a source.
        foreach (string figure in s_figures)
        {
            var row = new Regex($@"│ {Regex.Escape(figure)} +│ +(\d[\d,]*(\.\d+)?( ?%)?|n/a) │ +(\d+\.\d\dx|n/a|) │ [^│]*│");
            Assert.True(row.Count(output) == engines.Length, $"Expected {engines.Length} rows of '{figure}':\n{output}");
        }

        Assert.Contains("Ratios to the os engine", output, StringComparison.Ordinal);
        foreach (string engine in engines)
        {
            Assert.Matches(new Regex($@"│ {engine} +│ +(\d+\.\d\dx|n/a) │"), output);
        }
    }

    private static void AssertJson(string path, string workload, string[] engines)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = document.RootElement;
        Assert.Equal(workload, root.GetProperty("workload").GetString());
        Assert.Equal(1 << 20, root.GetProperty("poolBytes").GetInt64());
        Assert.False(root.GetProperty("interrupted").GetBoolean());
        JsonElement[] results = [.. root.GetProperty("engines").EnumerateArray()];
        Assert.Equal(engines, results.Select(e => e.GetProperty("engine").GetString()));
        foreach (JsonElement result in results)
        {
            long operations = result.GetProperty("operations").GetInt64();
            Assert.True(operations is > 0 and <= 40, $"{operations} operations: --ops 40 ends the run, or the end of the file before it.");
            Assert.True(result.GetProperty("elapsedSeconds").GetDouble() > 0);
            JsonElement latency = result.GetProperty("latencyMicroseconds");
            Assert.True(latency.GetProperty("p50").GetDouble() <= latency.GetProperty("p99").GetDouble());
            Assert.True(latency.GetProperty("p99").GetDouble() <= latency.GetProperty("max").GetDouble());
            long deviceWritten = result.GetProperty("deviceWrittenBytes").GetInt64();
            Assert.True(s_readOnlyWorkloads.Contains(workload) ? deviceWritten >= 0 : deviceWritten > 0, $"{deviceWritten} bytes written to the device by a {workload} run.");
            Assert.NotEmpty(result.GetProperty("samples").EnumerateArray());
            Assert.Equal(s_figures, result.GetProperty("ratiosToOs").EnumerateObject().Select(p => p.Name));
        }

        JsonElement os = results.Single(e => e.GetProperty("engine").GetString() == "os");
        if (os.GetProperty("operationsPerSecond").GetDouble() > 0)
        {
            Assert.Equal(1.0, os.GetProperty("ratiosToOs").GetProperty("ops/s").GetDouble(), precision: 9);
        }
    }

    private static void AssertCsv(string path, string workload, string[] engines)
    {
        string[] lines = File.ReadAllLines(path);
        Assert.Equal(engines.Length + 1, lines.Length);
        int columns = lines[0].Split(',').Length;
        Assert.Equal(5 + s_figures.Length, columns);
        for (int i = 0; i < engines.Length; i++)
        {
            string[] cells = lines[i + 1].Split(',');
            Assert.Equal(columns, cells.Length);
            Assert.Equal(workload, cells[0]);
            Assert.Equal(engines[i], cells[1]);
        }
    }

    private static void AssertSvg(string path, bool expectTimeSeries)
    {
        XDocument document = XDocument.Load(path);
        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.Equal(svg + "svg", document.Root!.Name);
        Assert.NotEmpty(document.Descendants(svg + "text"));
        if (expectTimeSeries)
        {
            Assert.NotEmpty(document.Descendants(svg + "polyline"));
        }
    }
}
