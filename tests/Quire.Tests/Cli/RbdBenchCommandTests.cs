// Proves `quire bench --store rbd:POOL/IMAGE` against a real one-node cluster: it runs a workload
// through quire, librbd and librbd-cache over RBD images it creates, prints a well-formed table
// per engine with ratios to librbd, writes JSON with those ratios, and removes its images. Also
// proves, without a cluster, that bad --store values and Ceph options that need --store are
// usage errors (exit 2) naming the option. Each run is tiny (a 1 MiB pool, 2 MiB images, a few
// operations). The cluster tests are skipped where Ceph is not installed.

using System.Text.Json;
using System.Text.RegularExpressions;
using Quire.Ceph;
using Quire.Cli;
using Quire.Tests.Ceph;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Cli;

[Collection("Ceph")]
public sealed class RbdBenchCommandTests(CephClusterFixture cluster)
{
    private static readonly string[] s_engines = ["quire", "librbd", "librbd-cache"];

    private static readonly string[] s_figures =
        ["ops/s", "MiB/s", "p50 µs", "p99 µs", "p99.9 µs", "max µs", "hit ratio", "device read MiB", "device written MiB", "write I/Os", "avg write KiB", "peak dirty MiB",
         "flushes", "flush p50 µs", "flush p99 µs", "flush max µs", "throttle time %", "device busy %", "device write MiB/s", "peak memory MiB"];

    [CephTheory]
    [InlineData("rand-read-hot", "8")]
    [InlineData("mixed", "1")]
    public async Task AWorkloadOverRbdPrintsATablePerEngineWithRatiosToLibrbdAndRemovesItsImages(string workload, string writesInFlight)
    {
        using var outputs = new TempDirectory();
        string json = outputs.File("bench.json");
        string stem = CephClusterFixture.NewImageName("bench");

        ToolRun run = await ToolRun.RunAsync(
            ["bench", workload, "--store", "rbd:rbd/" + stem, "--ceph-conf", cluster.ConfigurationFile, "--ceph-timeout", "10s",
             "--rbd-writes-in-flight", writesInFlight, "--pool", "1MiB", "--file-size", "2MiB", "--ops", "40", "--duration", "20s", "--json", json]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(string.Empty, run.Error);
        foreach (string engine in s_engines)
        {
            Assert.Matches(new Regex($@"{engine}: 40 operations in \d+\.\d\d s, stopped by operation count"), run.Output);
            Assert.Matches(new Regex($@"│ {engine} +│ +(\d+\.\d\dx|n/a) │"), run.Output);
        }

        foreach (string figure in s_figures)
        {
            var row = new Regex($@"│ {Regex.Escape(figure)} +│ +(\d[\d,]*(\.\d+)?( ?%)?|n/a) │ +(\d+\.\d\dx|n/a|) │ [^│]*│");
            Assert.True(row.Count(run.Output) == s_engines.Length, $"Expected {s_engines.Length} rows of '{figure}':\n{run.Output}");
        }

        Assert.Contains("Ratios to the librbd engine", run.Output, StringComparison.Ordinal);
        Assert.Contains("│ Figure │ Value │ vs librbd │ Source │", Regex.Replace(run.Output, " +", " "), StringComparison.Ordinal);

        using (JsonDocument document = JsonDocument.Parse(await File.ReadAllTextAsync(json)))
        {
            JsonElement root = document.RootElement;
            Assert.Equal(workload, root.GetProperty("workload").GetString());
            Assert.Equal("rbd:rbd/" + stem, root.GetProperty("store").GetString());
            Assert.Equal(int.Parse(writesInFlight, System.Globalization.CultureInfo.InvariantCulture), root.GetProperty("rbdMaxWritesInFlight").GetInt32());
            Assert.Equal("librbd", root.GetProperty("baseline").GetString());
            JsonElement[] results = [.. root.GetProperty("engines").EnumerateArray()];
            Assert.Equal(s_engines, results.Select(e => e.GetProperty("engine").GetString()));
            foreach (JsonElement result in results)
            {
                Assert.Equal(40, result.GetProperty("operations").GetInt64());
                Assert.Equal(s_figures, result.GetProperty("ratiosToLibrbd").EnumerateObject().Select(p => p.Name));
            }

            Assert.Equal(1.0, results[1].GetProperty("ratiosToLibrbd").GetProperty("ops/s").GetDouble(), precision: 9);
        }

        using CephCluster connection = cluster.Connect();
        foreach (string image in (string[])[stem + "-data", stem + "-second"])
        {
            Assert.Throws<FileNotFoundException>(() => connection.OpenRawImage("rbd", image, FileAccess.Read));
        }
    }

    [CephFact]
    public async Task AnUnreachablePoolFailsWithTheErrorAndExitsOne()
    {
        ToolRun run = await ToolRun.RunAsync(
            ["bench", "rand-read-hot", "--store", "rbd:no-such-pool/x", "--ceph-conf", cluster.ConfigurationFile, "--ceph-timeout", "5s", "--pool", "1MiB", "--file-size", "1MiB", "--ops", "5"]);

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("no-such-pool", run.Error, StringComparison.Ordinal);
    }
}
