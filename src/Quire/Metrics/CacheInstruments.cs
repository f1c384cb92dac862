// CacheInstruments: the cache's System.Diagnostics.Metrics instruments, on a Meter named
// "Quire", named by OpenTelemetry's conventions (lowercase dotted names; units By, s, {page}).
//
// Two kinds, chosen so the hit path stays lock-free and allocation-free:
//   1. Observable instruments over the striped counters and page gauges the cache keeps anyway
//      (lookups, pages read and written, evictions, errors, resident/dirty/... pages). They cost
//      nothing until a listener collects, and then only the collection pays.
//   2. Histograms recorded on the I/O paths only (read and write size and duration, throttle
//      pauses), where one Record beside a system call is noise.
//
// Locking: instruments are thread-safe; _disposed is read by collection callbacks without a lock.
// Invariants: after Dispose, observable callbacks report nothing, so a disposed cache never has
// its frames scanned by a listener still attached to a shared (factory-owned) meter.

using System.Diagnostics.Metrics;

namespace Quire.Metrics;

internal sealed class CacheInstruments : IDisposable
{
    /// <summary>The meter's name: what <c>dotnet-counters --counters</c> and OpenTelemetry's AddMeter take.</summary>
    public const string MeterName = "Quire";

    // Seconds from 50 µs (a fast NVMe read) to 10 s (a failing device): the spread of one I/O.
    private static readonly double[] s_durationBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // Bytes in powers of two from the smallest page (4 KiB) to the largest write (4 MiB).
    private static readonly long[] s_sizeBuckets = [4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4194304];

    private readonly Meter _meter; // (I)
    private readonly bool _ownsMeter; // (I) false when an IMeterFactory made the meter and owns it
    private readonly TimeProvider _timeProvider; // (I)
    private readonly Histogram<long> _readSize; // (I)
    private readonly Histogram<double> _readDuration; // (I)
    private readonly Histogram<long> _writeSize; // (I)
    private readonly Histogram<double> _writeDuration; // (I)
    private readonly Histogram<double> _throttlePause; // (I)
    private volatile bool _disposed; // (A)

    public CacheInstruments(IMeterFactory? meterFactory, TimeProvider timeProvider)
    {
        _meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);
        _ownsMeter = meterFactory is null;
        _timeProvider = timeProvider;
        _readSize = _meter.CreateHistogram<long>("quire.io.read.size", "By", "The size of a read from a backing store.", advice: new() { HistogramBucketBoundaries = s_sizeBuckets });
        _readDuration = _meter.CreateHistogram<double>("quire.io.read.duration", "s", "The duration of a read from a backing store.", advice: new() { HistogramBucketBoundaries = s_durationBuckets });
        _writeSize = _meter.CreateHistogram<long>("quire.io.write.size", "By", "The size of a vectored write to a backing store.", advice: new() { HistogramBucketBoundaries = s_sizeBuckets });
        _writeDuration = _meter.CreateHistogram<double>("quire.io.write.duration", "s", "The duration of a vectored write to a backing store.", advice: new() { HistogramBucketBoundaries = s_durationBuckets });
        _throttlePause = _meter.CreateHistogram<double>("quire.throttle.pause.duration", "s", "How long a writer was paused by dirty throttling.", advice: new() { HistogramBucketBoundaries = s_durationBuckets });
    }

    /// <summary>The meter (for tests that listen to this cache's instruments only).</summary>
    public Meter Meter => _meter;

    /// <summary>A timestamp of the cache's clock, taken before an I/O whose duration is recorded.</summary>
    public long Timestamp() => _timeProvider.GetTimestamp();

    /// <summary>Registers the observable instruments over <paramref name="counters"/> and the cache's frame scans.</summary>
    /// <param name="counters">The cache's counters and page gauges.</param>
    /// <param name="residentPages">Frames holding a page (the pool less its free frames).</param>
    /// <param name="pinnedPages">Frames held right now; a scan of the frame metadata, run per collection.</param>
    /// <param name="dirtyPages">Pages dirty now (WritebackCounts).</param>
    /// <param name="writebackPages">Pages under writeback now.</param>
    /// <param name="unsyncedPages">Pages written but not yet durable now.</param>
    public void Observe(CacheCounters counters, Func<int> residentPages, Func<int> pinnedPages, Func<int> dirtyPages, Func<int> writebackPages, Func<int> unsyncedPages)
    {
        _meter.CreateObservableCounter("quire.cache.lookups", () => Measure<long>(
            new(counters.Hits.Value, new KeyValuePair<string, object?>("quire.lookup.result", "hit")),
            new(counters.Misses.Value, new KeyValuePair<string, object?>("quire.lookup.result", "miss"))), "{lookup}", "Page lookups, by whether the page was resident (hit) or had to be read (miss).");
        _meter.CreateObservableCounter("quire.cache.pages.read", () => Measure(() => counters.PagesRead.Value), "{page}", "Pages read from backing stores, read-ahead included.");
        _meter.CreateObservableCounter("quire.cache.pages.read_ahead", () => Measure(() => counters.ReadAheadPages.Value), "{page}", "Pages read ahead of what a caller asked for, or prefetched on advice.");
        _meter.CreateObservableCounter("quire.cache.pages.written", () => Measure(() => counters.PagesWritten.Value), "{page}", "Pages written to backing stores.");
        _meter.CreateObservableCounter("quire.cache.evictions", () => Measure<long>(
            new(counters.Evictions.Value, new KeyValuePair<string, object?>("quire.eviction.reason", "reclaim")),
            new(counters.AdvisedEvictions.Value, new KeyValuePair<string, object?>("quire.eviction.reason", "advice"))), "{page}", "Clean pages dropped: reclaimed to make room, or on don't-need advice.");
        _meter.CreateObservableCounter("quire.writeback.errors", () => Measure<long>(
            new(counters.WriteFailures.Value, new KeyValuePair<string, object?>("quire.io.operation", "write")),
            new(counters.FlushFailures.Value, new KeyValuePair<string, object?>("quire.io.operation", "flush"))), "{error}", "Failed writes and durable flushes of backing stores; their pages stay dirty.");
        _meter.CreateObservableCounter("quire.writeback.retries", () => Measure(() => counters.WriteRetries.Value), "{retry}", "Page writer writebacks that failed and are retried after a back-off.");
        _meter.CreateObservableCounter("quire.read.errors", () => Measure(() => counters.ReadFailures.Value), "{error}", "Failed reads of backing stores.");
        _meter.CreateObservableCounter("quire.flushes", () => Measure(() => counters.DurableFlushes.Value), "{flush}", "Durable flushes (fsync) of backing stores that succeeded.");
        _meter.CreateObservableGauge("quire.cache.pages.resident", () => Measure(residentPages), "{page}", "Frames holding a page.");
        _meter.CreateObservableGauge("quire.cache.pages.dirty", () => Measure(dirtyPages), "{page}", "Pages with data not yet written back.");
        _meter.CreateObservableGauge("quire.cache.pages.writeback", () => Measure(writebackPages), "{page}", "Pages whose write to a backing store is in flight.");
        _meter.CreateObservableGauge("quire.cache.pages.unsynced", () => Measure(unsyncedPages), "{page}", "Pages written but not yet made durable.");
        _meter.CreateObservableGauge("quire.cache.pages.pinned", () => Measure(pinnedPages), "{page}", "Frames held right now: leased, being read or written, or under writeback.");
    }

    /// <summary>Records a read of <paramref name="byteCount"/> bytes that started at <paramref name="startTimestamp"/>.</summary>
    public void RecordRead(long byteCount, long startTimestamp)
    {
        _readSize.Record(byteCount);
        _readDuration.Record(_timeProvider.GetElapsedTime(startTimestamp).TotalSeconds);
    }

    /// <summary>Records a write of <paramref name="byteCount"/> bytes that started at <paramref name="startTimestamp"/>.</summary>
    public void RecordWrite(long byteCount, long startTimestamp)
    {
        _writeSize.Record(byteCount);
        _writeDuration.Record(_timeProvider.GetElapsedTime(startTimestamp).TotalSeconds);
    }

    /// <summary>Records one throttle pause.</summary>
    public void RecordThrottlePause(TimeSpan paused) => _throttlePause.Record(paused.TotalSeconds);

    /// <summary>Stops reporting: disposes the meter when the cache made it, else silences the callbacks.</summary>
    public void Dispose()
    {
        _disposed = true;
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private Measurement<T>[] Measure<T>(params Measurement<T>[] measurements)
        where T : struct => _disposed ? [] : measurements;

    private Measurement<T>[] Measure<T>(Func<T> read)
        where T : struct => _disposed ? [] : [new Measurement<T>(read())];
}
