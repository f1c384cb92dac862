// Proves the bench's SVG chart is well-formed XML in the SVG namespace (parsed with XDocument),
// draws the quire engine's series and the thresholds as polylines, labels each engine's ratio
// bars with the right ratios to the os engine, and escapes text: built from hand-made results.

using System.Xml.Linq;
using Quire.Cli.Bench;

namespace Quire.Tests.Cli;

public sealed class SvgChartTests
{
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void ChartHasTheSeriesTheThresholdsAndTheRatioOfEachEngine()
    {
        using var directory = new Infrastructure.TempDirectory();
        string path = directory.File("chart.svg");
        EngineResult quire = Result("quire", operations: 2000, latencyNanoseconds: 500);
        EngineResult os = Result("os", operations: 1000, latencyNanoseconds: 1000);

        SvgChart.Write(path, "a <title> & more", [quire, os]);

        XDocument document = XDocument.Load(path);
        Assert.Equal(s_svg + "svg", document.Root!.Name);

        // Dirty bytes, the two thresholds and the throughput.
        Assert.Equal(4, document.Descendants(s_svg + "polyline").Count());
        string[] texts = [.. document.Descendants(s_svg + "text").Select(t => t.Value)];
        Assert.Contains("a <title> & more", texts);
        Assert.Contains("2.00x", texts);
        Assert.Contains("0.50x", texts);
        Assert.Equal(2, texts.Count(t => t == "1.00x"));
        Assert.Contains("quire", texts);
        Assert.Contains("os", texts);
    }

    [Fact]
    public void ChartWithoutQuireOrOsSaysSoAndIsStillWellFormed()
    {
        using var directory = new Infrastructure.TempDirectory();
        string path = directory.File("chart.svg");

        SvgChart.Write(path, "mmap only", [Result("mmap", operations: 10, latencyNanoseconds: 100)]);

        XDocument document = XDocument.Load(path);
        string[] texts = [.. document.Descendants(s_svg + "text").Select(t => t.Value)];
        Assert.Contains("No quire engine samples in this run.", texts);
        Assert.Contains("No os engine in this run: no ratios.", texts);
        Assert.Empty(document.Descendants(s_svg + "polyline"));
    }

    private static EngineResult Result(string engine, long operations, long latencyNanoseconds)
    {
        var latency = new LatencyHistogram();
        for (int i = 0; i < 100; i++)
        {
            latency.Record(latencyNanoseconds);
        }

        return new EngineResult
        {
            Engine = engine,
            Elapsed = TimeSpan.FromSeconds(1),
            Operations = operations,
            Bytes = operations * 4096,
            Latency = latency,
            HitRatioSource = "test",
            DeviceReadBytes = 0,
            DeviceWrittenBytes = 0,
            DeviceBytesSource = "test",
            WriteIosSource = "test",
            DirtySource = "test",
            StoppedBy = BenchRunner.StoppedByDuration,
            Samples =
            [
                new BenchSample(0, 0, 0, 0, 0, 100 << 10, 200 << 10, 0),
                new BenchSample(0.5, operations / 2, 0, 150 << 10, 3, 100 << 10, 200 << 10, 0),
                new BenchSample(1, operations, 0, 50 << 10, 5, 100 << 10, 200 << 10, 0),
            ],
        };
    }
}
