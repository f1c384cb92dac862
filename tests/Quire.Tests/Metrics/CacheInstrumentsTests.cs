// Proves the cache's System.Diagnostics.Metrics instruments report what the cache does: a
// MeterListener bound to one cache's meter checks the names and units against OpenTelemetry's
// conventions, then drives reads, writes, leases, advice, reclaim and failing writes and
// compares each instrument with the cache's own statistics; and proves a listener costs the hit
// path nothing (no allocation) and stops hearing from a disposed cache.

using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Quire.Metrics;
using Quire.Testing;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Metrics;

public sealed partial class CacheInstrumentsTests
{
    private const int PageSize = QuietCaches.PageSize;

    private static readonly string[] s_expectedInstruments =
    [
        "quire.cache.evictions", "quire.cache.lookups", "quire.cache.pages.dirty", "quire.cache.pages.pinned",
        "quire.cache.pages.read", "quire.cache.pages.read_ahead", "quire.cache.pages.resident", "quire.cache.pages.unsynced",
        "quire.cache.pages.writeback", "quire.cache.pages.written", "quire.flushes", "quire.io.read.duration",
        "quire.io.read.size", "quire.io.write.duration", "quire.io.write.size", "quire.read.errors",
        "quire.throttle.pause.duration", "quire.writeback.errors", "quire.writeback.retries",
    ];

    [Fact]
    public void TheMeterIsNamedQuireAndEveryInstrumentFollowsOpenTelemetryNaming()
    {
        using PageCache cache = QuietCaches.Create();
        using var recorder = new MeasurementRecorder(cache.Meter);

        Assert.Equal("Quire", cache.Meter.Name);
        Assert.Equal(s_expectedInstruments, recorder.Instruments.Select(i => i.Name).Order());
        foreach (Instrument instrument in recorder.Instruments)
        {
            Assert.Matches(InstrumentName(), instrument.Name);
            Assert.True(instrument.Unit is "By" or "s" || (instrument.Unit?.StartsWith('{') == true && instrument.Unit.EndsWith('}')), $"'{instrument.Name}' has unit '{instrument.Unit}'.");
            Assert.False(string.IsNullOrEmpty(instrument.Description), $"'{instrument.Name}' has no description.");
        }
    }

    [Fact]
    public void LookupsAreReportedAsHitsAndMissesMatchingTheStatistics()
    {
        using PageCache cache = QuietCaches.Create();
        using var recorder = new MeasurementRecorder(cache.Meter);
        using CachedFile file = cache.Open(new MemoryBackingStore("f", BytePatterns.Create(4 * PageSize, 1)));
        var buffer = new byte[4 * PageSize];
        file.Read(0, buffer);
        file.Read(0, buffer);
        file.Read(PageSize, buffer.AsSpan(0, 10));

        PageCacheStatistics statistics = cache.GetStatistics();
        Assert.True(statistics.Hits > 0 && statistics.Misses > 0);
        Assert.Equal(statistics.Hits, recorder.Latest("quire.cache.lookups", "quire.lookup.result", "hit"));
        Assert.Equal(statistics.Misses, recorder.Latest("quire.cache.lookups", "quire.lookup.result", "miss"));
        Assert.Equal(statistics.PagesRead, recorder.Latest("quire.cache.pages.read"));
    }

    [Fact]
    public void ReadsAndWritesRecordTheirSizeAndDuration()
    {
        using PageCache cache = QuietCaches.Create(maxReadAheadBytes: 0);
        using var recorder = new MeasurementRecorder(cache.Meter);
        using CachedFile file = cache.Open(new MemoryBackingStore("f", BytePatterns.Create(2 * PageSize, 1)));

        file.Read(0, new byte[PageSize]);
        file.Write(PageSize, BytePatterns.Create(3 * PageSize, 2));
        file.Flush();

        Assert.Equal([(double)PageSize], recorder.Of("quire.io.read.size").Select(m => m.Value));
        Assert.Single(recorder.Of("quire.io.read.duration"), m => m.Value >= 0);
        Assert.Equal(3.0 * PageSize, recorder.Of("quire.io.write.size").Sum(m => m.Value));
        Assert.Equal(cache.GetStatistics().WriteIos, recorder.Of("quire.io.write.duration").Count);
        Assert.Equal(3, recorder.Latest("quire.cache.pages.written"));
        Assert.Equal(1, recorder.Latest("quire.flushes"));
    }

    [Fact]
    public void PageGaugesFollowDirtyPinnedAndResidentPages()
    {
        using PageCache cache = QuietCaches.Create();
        using var recorder = new MeasurementRecorder(cache.Meter);
        using CachedFile file = cache.Open(new MemoryBackingStore());

        file.Write(0, BytePatterns.Create(3 * PageSize, 3));
        Assert.Equal(3, recorder.Latest("quire.cache.pages.dirty"));
        Assert.Equal(3, recorder.Latest("quire.cache.pages.resident"));
        Assert.Equal(0, recorder.Latest("quire.cache.pages.pinned"));
        using (file.Pin(0, 10))
        {
            Assert.Equal(1, recorder.Latest("quire.cache.pages.pinned"));
        }

        file.Flush();
        Assert.Equal(0, recorder.Latest("quire.cache.pages.dirty"));
        Assert.Equal(0, recorder.Latest("quire.cache.pages.unsynced"));
        Assert.Equal(0, recorder.Latest("quire.cache.pages.writeback"));
    }

    [Fact]
    public void EvictionsAreReportedByReason()
    {
        using PageCache cache = QuietCaches.Create(frameCount: 16);
        using var recorder = new MeasurementRecorder(cache.Meter);
        using CachedFile file = cache.Open(new MemoryBackingStore("f", BytePatterns.Create(64 * PageSize, 4)));

        file.Read(0, new byte[4 * PageSize]);
        file.Advise(0, 4 * PageSize, FileAdvice.DontNeed);
        Assert.Equal(4, recorder.Latest("quire.cache.evictions", "quire.eviction.reason", "advice"));

        file.Read(0, new byte[64 * PageSize]);
        Assert.Equal(cache.GetStatistics().Evictions, recorder.Latest("quire.cache.evictions", "quire.eviction.reason", "reclaim"));
        Assert.True(cache.GetStatistics().Evictions > 0);
    }

    [Fact]
    public void FailedWritesAreCountedAsWritebackErrors()
    {
        using PageCache cache = QuietCaches.Create();
        using var recorder = new MeasurementRecorder(cache.Meter);
        var store = new FaultyStore { FailWritesWith = FaultyStore.EIO, FailWritesRemaining = 1 };
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(PageSize, 5));

        Assert.Throws<WritebackFailedException>(file.Flush);
        file.Flush();

        Assert.Equal(1, recorder.Latest("quire.writeback.errors", "quire.io.operation", "write"));
        Assert.Equal(0, recorder.Latest("quire.writeback.errors", "quire.io.operation", "flush"));
        Assert.DoesNotContain(recorder.Of("quire.io.write.size"), m => m.Value == 0);
    }

    [Fact]
    public void ThrottlePausesAreRecordedInSeconds()
    {
        var time = new ManualTimeProvider();
        using var instruments = new CacheInstruments(null, time);
        using var recorder = new MeasurementRecorder(instruments.Meter);
        var counters = new CacheCounters(instruments, null);

        counters.RecordThrottlePause(TimeSpan.FromMilliseconds(250), 10, 20);

        Assert.Equal([0.25], recorder.Of("quire.throttle.pause.duration").Select(m => m.Value));
    }

    [Fact]
    public void AHitAllocatesNothingWhileAListenerCollects()
    {
        using PageCache cache = QuietCaches.Create();
        using var recorder = new MeasurementRecorder(cache.Meter);
        using CachedFile file = cache.Open(new MemoryBackingStore("f", BytePatterns.Create(4 * PageSize, 6)));
        var buffer = new byte[100];

        // Every page read once first, and its read-ahead finished: what follows is hits only (a
        // first read may start a background read-ahead window, which is a miss, not a hit).
        for (int page = 0; page < 4; page++)
        {
            file.Read(page * PageSize, buffer);
        }

        Assert.True(SpinWait.SpinUntil(() => cache.GetStatistics().Misses + cache.GetStatistics().ReadAheadPages >= 4 && cache.GetStatistics().PinnedFrames == 0, TimeSpan.FromSeconds(30)));
        recorder.Collect();
        long missesBefore = cache.GetStatistics().Misses;

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            file.Read(i % 4 * PageSize, buffer);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(missesBefore, cache.GetStatistics().Misses);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ADisposedCacheReportsNothingMore()
    {
        var cache = QuietCaches.Create();
        using var recorder = new MeasurementRecorder(cache.Meter);
        cache.Dispose();

        recorder.Clear();
        recorder.Collect();

        Assert.Empty(recorder.Of("quire.cache.lookups"));
        Assert.Empty(recorder.Of("quire.cache.pages.pinned"));
    }

    [Fact]
    public void AMeterFactoryMakesTheMeterAndKeepsOwningIt()
    {
        using var factory = new TestMeterFactory();
        var options = QuietCaches.Options();
        var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = options.MemoryLimitBytes,
            StartPageWriter = false,
            MeterFactory = factory,
        });
        using var recorder = new MeasurementRecorder(cache.Meter);

        Assert.Same(factory.Created.Single(), cache.Meter);
        Assert.Equal(0, recorder.Latest("quire.cache.pages.dirty"));
        cache.Dispose();

        recorder.Clear();
        recorder.Collect();
        Assert.Empty(recorder.Of("quire.cache.pages.dirty"));
        Assert.False(factory.Disposed);
    }

    [GeneratedRegex("^quire(\\.[a-z][a-z_]*)+$")]
    private static partial Regex InstrumentName();

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public bool Disposed { get; private set; }

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, this);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            Disposed = true;
            foreach (Meter meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
