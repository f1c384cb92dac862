// Proves the documented OpenTelemetry set-up works: a MeterProvider built with AddMeter("Quire")
// and an exporting reader receives the cache's counters with their tags, its gauges and its
// histograms (with the unit and bucket advice), exactly as an OTLP exporter would be handed them.
// Other tests' caches share the meter name, so the checks ask for "some", never "exactly".

using OpenTelemetry;
using OpenTelemetry.Metrics;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Metrics;

public sealed class OpenTelemetryTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void AddMeterQuireExportsTheCachesInstruments()
    {
        var exporter = new CapturingExporter();
        using MeterProvider provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter("Quire")
            .AddReader(new BaseExportingMetricReader(exporter))
            .Build();
        using PageCache cache = QuietCaches.Create();
        using (CachedFile file = cache.Open(new MemoryBackingStore("f", BytePatterns.Create(8 * PageSize, 1))))
        {
            file.Read(0, new byte[8 * PageSize]);
            file.Read(0, new byte[8 * PageSize]);
            file.Write(0, [1, 2, 3]);
            file.Flush();
        }

        Assert.True(provider.ForceFlush(), "The reader did not collect.");

        Assert.Subset(exporter.Names, new HashSet<string> { "quire.cache.lookups", "quire.cache.pages.resident", "quire.io.read.size", "quire.io.write.duration" });
        // Observable counters of caches sharing the meter name report under the same tags, and the
        // SDK keeps one value per tag set: check the tagged points exist, not this cache's values.
        Assert.True(exporter.HasPoint("quire.cache.lookups", "quire.lookup.result", "hit"), "No hit point was exported.");
        Assert.True(exporter.HasPoint("quire.cache.lookups", "quire.lookup.result", "miss"), "No miss point was exported.");
        Assert.Equal("By", exporter.Units["quire.io.read.size"]);
        Assert.Equal("s", exporter.Units["quire.io.write.duration"]);
        Assert.True(exporter.HistogramCounts["quire.io.write.duration"] >= 1, "The write was not recorded.");
    }

    /// <summary>Keeps what each export carried; Metric objects are reused between exports, so values are copied out.</summary>
    private sealed class CapturingExporter : BaseExporter<Metric>
    {
        private readonly Lock _lock = new();
        private readonly List<(string Name, KeyValuePair<string, object?>[] Tags, long Value)> _sums = [];

        public HashSet<string> Names { get; } = [];

        public Dictionary<string, string> Units { get; } = [];

        public Dictionary<string, long> HistogramCounts { get; } = [];

        public bool HasPoint(string name, string tagKey, string tagValue)
        {
            lock (_lock)
            {
                return _sums.Any(s => s.Name == name && s.Tags.Any(t => t.Key == tagKey && Equals(t.Value, tagValue)) && s.Value >= 0);
            }
        }

        public override ExportResult Export(in Batch<Metric> batch)
        {
            lock (_lock)
            {
                foreach (Metric metric in batch)
                {
                    Names.Add(metric.Name);
                    Units[metric.Name] = metric.Unit;
                    foreach (ref readonly MetricPoint point in metric.GetMetricPoints())
                    {
                        var tags = new List<KeyValuePair<string, object?>>();
                        foreach (KeyValuePair<string, object?> tag in point.Tags)
                        {
                            tags.Add(tag);
                        }

                        if (metric.MetricType == MetricType.LongSum)
                        {
                            _sums.Add((metric.Name, [.. tags], point.GetSumLong()));
                        }
                        else if (metric.MetricType == MetricType.Histogram)
                        {
                            HistogramCounts[metric.Name] = HistogramCounts.GetValueOrDefault(metric.Name) + point.GetHistogramCount();
                        }
                    }
                }
            }

            return ExportResult.Success;
        }
    }
}
