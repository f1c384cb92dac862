// CacheCounters: the event counts behind PageCacheStatistics (the counts that steer writeback are
// Files/WritebackCounts). It also carries the cache's histograms and log, so every path that
// counts an event can record and log it in one call.
//
// Locking: counters are StripedCounters (hit-path safe). Instruments and Log are immutable
// references, used on I/O and error paths only.

namespace Quire.Metrics;

internal sealed class CacheCounters
{

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

    /// <summary>Pages a prewarm read from a saved resident set.</summary>
    public StripedCounter PrewarmedPages { get; } = new();

    /// <summary>Files of a saved resident set a prewarm skipped because they changed since the save (identity, size or modification time).</summary>
    public StripedCounter PrewarmChangedFiles { get; } = new();

    /// <summary>Files of a saved resident set a prewarm skipped because their name is gone or cannot be opened.</summary>
    public StripedCounter PrewarmMissingFiles { get; } = new();

    /// <summary>Resident sets saved.</summary>
    public StripedCounter ResidentSetSaves { get; } = new();

    /// <summary>Saves of the resident set that failed (the previous file stays).</summary>
    public StripedCounter ResidentSetSaveFailures { get; } = new();

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

}
