// CacheCounters: the event counts behind PageCacheStatistics, and the few exact gauges the
// cache's policies read (dirty, writeback and unsynced pages). It also carries the cache's
// histograms and log, so every path that counts an event can record and log it in one call.
//
// Locking: counters are StripedCounters (hit-path safe); gauges are single ints changed with
// Interlocked on state transitions only (a page going clean to dirty, not every write hit).
// Instruments and Log are immutable references, used on I/O and error paths only.

using System.Diagnostics;

namespace Quire.Metrics;

internal sealed class CacheCounters
{
    private int _dirtyPages; // (A)
    private int _writebackPages; // (A)
    private int _unsyncedPages; // (A)
    private int _throttledWriters; // (A)
    private int _foregroundIos; // (A)

    public CacheCounters()
        : this(null, null)
    {
    }

    public CacheCounters(CacheInstruments? instruments, CacheLog? log)
    {
        Instruments = instruments;
        Log = log ?? CacheLog.Disabled;
    }

    /// <summary>The cache's histograms, or null for counters used without a cache (tests).</summary>
    public CacheInstruments? Instruments { get; }

    /// <summary>The cache's rate-limited log.</summary>
    public CacheLog Log { get; }

    public StripedCounter Hits { get; } = new();

    public StripedCounter Misses { get; } = new();

    public StripedCounter PagesRead { get; } = new();

    public StripedCounter ReadIos { get; } = new();

    public StripedCounter ReadAheadPages { get; } = new();

    public StripedCounter PagesWritten { get; } = new();

    public StripedCounter WriteIos { get; } = new();

    public StripedCounter BytesWritten { get; } = new();

    public StripedCounter DurableFlushes { get; } = new();

    public StripedCounter Evictions { get; } = new();

    public StripedCounter AdvisedEvictions { get; } = new();

    public StripedCounter Promotions { get; } = new();

    public StripedCounter Deactivations { get; } = new();

    public StripedCounter ReadFailures { get; } = new();

    public StripedCounter WriteFailures { get; } = new();

    public StripedCounter FlushFailures { get; } = new();

    public StripedCounter ThrottlePauses { get; } = new();

    public StripedCounter ThrottleTicks { get; } = new();

    public StripedCounter WriteRetries { get; } = new();

    public int DirtyPages => Volatile.Read(ref _dirtyPages);

    public int WritebackPages => Volatile.Read(ref _writebackPages);

    public int UnsyncedPages => Volatile.Read(ref _unsyncedPages);

    /// <summary>Pages to write: dirty or under writeback (Linux's NR_FILE_DIRTY + NR_WRITEBACK), what the throttle and the page writer's thresholds count.</summary>
    public int PagesToWrite => DirtyPages + WritebackPages;

    /// <summary>Pages not durable yet, whatever their state: each keeps its frame until a durable flush.</summary>
    public int NotDurablePages => DirtyPages + WritebackPages + UnsyncedPages;

    /// <summary>Writers paused by the throttle right now: while any is, the page writer works for them.</summary>
    public int ThrottledWriters => Volatile.Read(ref _throttledWriters);

    public void AddThrottledWriters(int delta) => Check(Interlocked.Add(ref _throttledWriters, delta));

    /// <summary>
    /// Reads of the store and data-integrity flushes in progress: someone waits for them, so
    /// background writeback keeps few writes in flight meanwhile (Linux's writeback throttling).
    /// </summary>
    public int ForegroundIos => Volatile.Read(ref _foregroundIos);

    public void AddForegroundIos(int delta) => Check(Interlocked.Add(ref _foregroundIos, delta));

    public void AddDirtyPages(int delta) => Check(Interlocked.Add(ref _dirtyPages, delta));

    public void AddWritebackPages(int delta) => Check(Interlocked.Add(ref _writebackPages, delta));

    public void AddUnsyncedPages(int delta) => Check(Interlocked.Add(ref _unsyncedPages, delta));

    /// <summary>A timestamp to pass to <see cref="RecordRead"/> or <see cref="RecordWrite"/>, taken before the I/O.</summary>
    public long IOStarted() => Instruments?.Timestamp() ?? 0;

    /// <summary>Records the size and duration of a read that succeeded.</summary>
    public void RecordRead(long byteCount, long startTimestamp) => Instruments?.RecordRead(byteCount, startTimestamp);

    /// <summary>Records the size and duration of a write that succeeded.</summary>
    public void RecordWrite(long byteCount, long startTimestamp) => Instruments?.RecordWrite(byteCount, startTimestamp);

    /// <summary>Records a throttle pause, and logs it when it starts an episode of throttling.</summary>
    public void RecordThrottlePause(TimeSpan paused, int pagesToWrite, int dirtyLimitPages)
    {
        Instruments?.RecordThrottlePause(paused);
        Log.ThrottlePaused(pagesToWrite, dirtyLimitPages);
    }

    private static void Check(int after) => Debug.Assert(after >= 0, "Page gauges never go negative.");
}
