namespace Quire;

/// <summary>
/// An immutable snapshot of a <see cref="PageCache"/>'s frames and counters (FreeBSD's
/// <c>show page</c> and <c>show pageq</c>). Counters count since the cache was created. The
/// figures are read without stopping the cache, so they may disagree slightly with each other.
/// </summary>
public sealed record PageCacheStatistics
{
    /// <summary>The number of frames in the pool.</summary>
    public required int FrameCount { get; init; }

    /// <summary>The page size in bytes.</summary>
    public required int PageSize { get; init; }

    /// <summary>Frames holding no page.</summary>
    public required int FreeFrames { get; init; }

    /// <summary>Frames on the active queue: pages used again after they came in (the hot set).</summary>
    public required int ActiveFrames { get; init; }

    /// <summary>Frames on the inactive queue: pages used once, reclaimed first.</summary>
    public required int InactiveFrames { get; init; }

    /// <summary>Frames held right now: pinned by a lease, being read or written, or under writeback.</summary>
    public required int PinnedFrames { get; init; }

    /// <summary>Pages with data written since they were last written back (whether or not a write of an earlier version is in flight or not yet durable).</summary>
    public required int DirtyPages { get; init; }

    /// <summary>Pages whose write to the store is in flight and that were not written again since.</summary>
    public required int WritebackPages { get; init; }

    /// <summary>Pages written to the store that the store has not yet made durable, and not written again since; they are not evictable.</summary>
    public required int UnsyncedPages { get; init; }

    /// <summary>Files (file objects) the cache has open: with an open handle, or with a store kept open for data not yet durable.</summary>
    public required int OpenFiles { get; init; }

    /// <summary>Files kept after their last handle closed, with their store closed and their clean pages cached (<see cref="PageCacheOptions.MaxIdleFiles"/>).</summary>
    public int IdleFiles { get; init; }

    /// <summary>Opens that found a kept file unchanged on disk and its cached pages still valid.</summary>
    public long ReopenedFiles { get; init; }

    /// <summary>Opens that found a kept file changed on disk since it was closed (another writer): its cached pages were dropped.</summary>
    public long StaleFiles { get; init; }

    /// <summary>Pages read by prewarms from a saved resident set (<see cref="PageCache.PrewarmAsync"/>, <see cref="PageCache.StartupPrewarm"/>).</summary>
    public long PrewarmedPages { get; init; }

    /// <summary>Files of a saved resident set a prewarm skipped because they changed since the save: a new inode under the name, or another size or modification time.</summary>
    public long PrewarmChangedFiles { get; init; }

    /// <summary>Files of a saved resident set a prewarm skipped because no file has the name any more or it could not be opened.</summary>
    public long PrewarmMissingFiles { get; init; }

    /// <summary>Resident sets saved (<see cref="PageCache.SaveResidentSet"/>, the periodic saves and the save at dispose).</summary>
    public long ResidentSetSaves { get; init; }

    /// <summary>Periodic or dispose-time saves of the resident set that failed (each logged); the file saved before stays.</summary>
    public long ResidentSetSaveFailures { get; init; }

    /// <summary>File names deleted through <see cref="PageCache.Delete"/>.</summary>
    public long Deletes { get; init; }

    /// <summary>Files renamed through <see cref="PageCache.Move"/>.</summary>
    public long Moves { get; init; }

    /// <summary>Page lookups that found the page resident and valid.</summary>
    public required long Hits { get; init; }

    /// <summary>Page lookups that had to read from the store.</summary>
    public required long Misses { get; init; }

    /// <summary>Hits / (hits + misses), or 0 before the first lookup.</summary>
    public double HitRatio => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);

    /// <summary>Pages read from the store, read-ahead included.</summary>
    public required long PagesRead { get; init; }

    /// <summary>Read calls made to the store (each reads a cluster).</summary>
    public required long ReadIos { get; init; }

    /// <summary>Pages read ahead of what a caller asked for, or prefetched on advice.</summary>
    public required long ReadAheadPages { get; init; }

    /// <summary>Pages written to the store.</summary>
    public required long PagesWritten { get; init; }

    /// <summary>Write calls made to the store (each writes a cluster).</summary>
    public required long WriteIos { get; init; }

    /// <summary>Bytes written to the store.</summary>
    public required long BytesWritten { get; init; }

    /// <summary>The average size of a write to the store in bytes, or 0 before the first.</summary>
    public double AverageWriteBytes => WriteIos == 0 ? 0 : (double)BytesWritten / WriteIos;

    /// <summary>Durable flushes (fsync) that succeeded.</summary>
    public required long DurableFlushes { get; init; }

    /// <summary>Clean pages reclaimed to make room.</summary>
    public required long Evictions { get; init; }

    /// <summary>Inactive pages promoted to the active queue because they were used again.</summary>
    public required long Promotions { get; init; }

    /// <summary>Active pages moved back to the inactive queue to keep the queues in balance.</summary>
    public required long Deactivations { get; init; }

    /// <summary>Reads of the store that failed.</summary>
    public required long ReadFailures { get; init; }

    /// <summary>Writes to the store that failed (their pages stayed dirty).</summary>
    public required long WriteFailures { get; init; }

    /// <summary>Durable flushes of the store that failed (their pages were made dirty again).</summary>
    public required long FlushFailures { get; init; }

    /// <summary>Page writer writebacks that failed and will be retried after a back-off.</summary>
    public required long WriteRetries { get; init; }

    /// <summary>Times a writer was paused by dirty throttling.</summary>
    public required long ThrottlePauses { get; init; }

    /// <summary>The total time writers spent paused by dirty throttling.</summary>
    public required TimeSpan ThrottleTime { get; init; }

    /// <summary>The background threshold in pages: above it the page writer writes in the background.</summary>
    public required int BackgroundThresholdPages { get; init; }

    /// <summary>The dirty limit in pages: writers are slowed as the pages to write approach it.</summary>
    public required int DirtyLimitPages { get; init; }

    /// <summary>Pages counted against the dirty limit: dirty or under writeback (written but not yet durable pages are not).</summary>
    public int PagesToWrite => DirtyPages + WritebackPages;

    /// <summary>Pages holding data that is not yet durable: dirty, under writeback or unsynced, each page counted once.</summary>
    public int NotDurablePages => DirtyPages + WritebackPages + UnsyncedPages;
}
