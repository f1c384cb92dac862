// CacheLimits: every limit the cache runs by, resolved once from PageCacheOptions when the cache
// is built, each beside the reason for its value. The layers below the public surface take this,
// never the public options, so a limit is derived in one place and cannot drift between two.
//
// Invariants (the options were validated first): 1 <= BackgroundDirtyPages < DirtyLimitPages <=
// FrameCount; ReserveFrames <= FrameCount / 2; every page count is at least 1.

using Quire.Paging;

namespace Quire;

internal sealed class CacheLimits
{
    /// <param name="options">Options whose combination has been checked (PageCacheOptions.Validate).</param>
    public CacheLimits(PageCacheOptions options)
    {
        FrameCount = options.FrameCount;
        PageSize = options.PageSize;
        ReserveFrames = ResolveReserve(options);
        DirtyLimitPages = Math.Max(2, ResolvePages(options, options.DirtyBytes, options.DirtyRatio));
        BackgroundDirtyPages = Math.Clamp(ResolvePages(options, options.BackgroundDirtyBytes, options.BackgroundDirtyRatio), 1, DirtyLimitPages - 1);
        FreerunPages = (BackgroundDirtyPages + DirtyLimitPages) / 2;
        MaxClusterPages = Math.Max(1, options.MaxClusterBytes / PageSize);

        // At most a quarter of the pool beyond the reserve: a window and the one being read in the
        // background must fit with room to spare, or read-ahead evicts what it just read (thrashing).
        MaxReadAheadPages = Math.Min(
            Math.Min(options.MaxReadAheadBytes / PageSize, ReadPath.MaxClusterPages),
            Math.Max(1, (FrameCount - ReserveFrames) / 4));

        // Two frames stay for the partial-sector reads at the ends of a write.
        MaxAtomicWritePages = Math.Clamp(FrameCount - ReserveFrames - 2, 1, WritePath.MaxAtomicPages);

        // Linux's inactive_ratio: the active queue may be sqrt(10 * GiB) times the inactive one, at
        // least as large, so larger pools keep a larger share of proven-hot pages.
        double gib = (double)FrameCount * PageSize / (1L << 30);
        InactiveRatio = Math.Max(1, (int)Math.Sqrt(10 * gib));

        // Twice the reserve: below it the page writer treats memory as short.
        LowFreeFrames = ReserveFrames * 2;

        // Fairness: four clusters per file per turn when several files have data to write.
        PagesPerFileTurn = MaxClusterPages * 4;

        // A file alone is written in turns of the dirty limit, its OS write-out started after each,
        // so the device is kept busy (every turn ends by waiting for its last writes, which leaves
        // the device idle a moment: turns of a quarter of the limit cost a sequential writer
        // 10-20 %) and the durable flush that comes finds the data on its way.
        PagesPerSoloTurn = Math.Max(MaxClusterPages, DirtyLimitPages);

        // Durable flushes start at half the dirty limit, well below the unsynced bound, so one
        // flush covers many writes and the bound is rarely reached.
        SyncStartPages = Math.Max(1, DirtyLimitPages / 2);

        // Written but not durable data is not counted against the dirty limit (only a durable
        // flush frees it, so counting it paced writers by fsync latency) and has this bound, at
        // which the page writer waits for its syncs before writing more: half the frames the dirty
        // limit leaves, never below the limit. Far enough above SyncStartPages that writing goes on
        // while a durable flush runs (one that commits new blocks of a file can take tens of
        // milliseconds, while the device writes the limit's worth in as many), and low enough that
        // half the frames outside the dirty limit stay reclaimable at once.
        UnsyncedBoundPages = Math.Max(DirtyLimitPages, (FrameCount - DirtyLimitPages) / 2);

        // Half a cluster (512 KiB by default), and never more than an eighth of the limit so a
        // small pool still writes in the background.
        MinBackgroundRunPages = Math.Max(1, Math.Min(MaxClusterPages / 2, DirtyLimitPages / 8));

        MaxWritesInFlight = options.MaxWritesInFlight;
        MaxFrameWait = options.MaxFrameWait;
        MaxPageWait = options.MaxPageWait;
        MaxWritebackStall = options.MaxWritebackStall;
        WritebackInterval = options.WritebackInterval;
        DirtyExpire = options.DirtyExpire;
        LaptopMode = options.LaptopMode;
        StrictFileDirtyLimit = options.StrictFileDirtyLimit;
    }

    /// <summary>The frames of the pool (PageCacheOptions.FrameCount).</summary>
    public int FrameCount { get; }

    public int PageSize { get; }

    /// <summary>Free frames kept for writers and reclaim (MinFreeFrames): by default 1/64 of the pool, at least 4.</summary>
    public int ReserveFrames { get; }

    /// <summary>Pages to write (dirty + under writeback) at which writers wait (Linux's dirty limit): at least 2.</summary>
    public int DirtyLimitPages { get; }

    /// <summary>Pages to write at which the page writer starts (Linux's background threshold): at least 1, below the limit.</summary>
    public int BackgroundDirtyPages { get; }

    /// <summary>Pages to write at or below which writers are never paused: halfway from the background threshold to the limit, as Linux's freerun.</summary>
    public int FreerunPages { get; }

    /// <summary>The most pages one write of writeback covers (MaxClusterBytes).</summary>
    public int MaxClusterPages { get; }

    /// <summary>The most pages one read-ahead window covers.</summary>
    public int MaxReadAheadPages { get; }

    /// <summary>The most pages one write holds at once, so that it lands whole or not at all.</summary>
    public int MaxAtomicWritePages { get; }

    /// <summary>How many times larger than the inactive queue the active queue may grow.</summary>
    public int InactiveRatio { get; }

    /// <summary>Free frames below which the page writer writes as if memory were short.</summary>
    public int LowFreeFrames { get; }

    /// <summary>The pages the page writer writes of one file per turn while several have data to write.</summary>
    public int PagesPerFileTurn { get; }

    /// <summary>The pages the page writer writes of a file per turn when it is the only one.</summary>
    public int PagesPerSoloTurn { get; }

    /// <summary>Written but not durable pages at which the page writer starts a file's durable flush.</summary>
    public int SyncStartPages { get; }

    /// <summary>The written but not durable pages the page writer keeps the cache under.</summary>
    public int UnsyncedBoundPages { get; }

    /// <summary>The shortest run written in the background while it may still be growing.</summary>
    public int MinBackgroundRunPages { get; }

    public int MaxWritesInFlight { get; }

    public TimeSpan MaxFrameWait { get; }

    public TimeSpan MaxPageWait { get; }

    public TimeSpan MaxWritebackStall { get; }

    public TimeSpan WritebackInterval { get; }

    public TimeSpan DirtyExpire { get; }

    public bool LaptopMode { get; }

    public bool StrictFileDirtyLimit { get; }

    /// <summary>The reserve of free frames with its default resolved; also what PageCacheOptions.Validate checks.</summary>
    public static int ResolveReserve(PageCacheOptions options) =>
        options.MinFreeFrames >= 0 ? options.MinFreeFrames : Math.Max(4, options.FrameCount / 64);

    /// <summary>A threshold given in bytes (when above 0) or as a ratio of the pool, in pages from 1 to the frame count.</summary>
    public static int ResolvePages(PageCacheOptions options, long bytes, double ratio)
    {
        long pages = bytes > 0 ? bytes / options.PageSize : (long)(options.FrameCount * ratio);
        return (int)Math.Clamp(pages, 1, options.FrameCount);
    }
}
