// Canaries: the one seam through which the planted bugs (PlantedBugs; docs/DURABILITY.md,
// "Canaries") reach the library. Resolved once per cache from PageCacheOptions.PlantedBugs, with
// one named query per bug, so a planted branch reads `_canaries.SkipDurableFlush` and the flags
// are read in this file alone. Every query is false unless a test planted the bug in that cache.
// No planted branch lies on a hit path (ReadPath, WritePath, the leases, CachedFile.Read and
// Write): a bug planted there would cost every hit a test. Tidy/CanarySeamTests holds both rules
// over the built assembly.
//
// Locking: immutable (I): resolved in the constructor, read without a lock.

namespace Quire.Internal;

internal sealed class Canaries
{
    /// <summary>Resolves the bugs <paramref name="options"/> asks to plant; none in production.</summary>
    public Canaries(PageCacheOptions options)
    {
        PlantedBugs planted = options.PlantedBugs;
        DropPageAfterFailedWrite = (planted & PlantedBugs.DropPageAfterFailedWrite) != 0;
        ClearErrorAfterFirstReport = (planted & PlantedBugs.ClearErrorAfterFirstReport) != 0;
        EvictUnsyncedPage = (planted & PlantedBugs.EvictUnsyncedPage) != 0;
        SkipEofClipping = (planted & PlantedBugs.SkipEofClipping) != 0;
        ReportErrorTwice = (planted & PlantedBugs.ReportErrorTwice) != 0;
        ReportReadErrorAsWriteError = (planted & PlantedBugs.ReportReadErrorAsWriteError) != 0;
        SkipDurableFlush = (planted & PlantedBugs.SkipDurableFlush) != 0;
        KeepBytesPastNewEnd = (planted & PlantedBugs.KeepBytesPastNewEnd) != 0;
        DropPagesDirtiedDuringClose = (planted & PlantedBugs.DropPagesDirtiedDuringClose) != 0;
        SkipShortReadZeroFill = (planted & PlantedBugs.SkipShortReadZeroFill) != 0;
        SkipUnreportedEpochForNewHandle = (planted & PlantedBugs.SkipUnreportedEpochForNewHandle) != 0;
        ZeroFailedReadAhead = (planted & PlantedBugs.ZeroFailedReadAhead) != 0;
        FreePinnedPageOnTruncate = (planted & PlantedBugs.FreePinnedPageOnTruncate) != 0;
        LeakFramesOfFailedReservation = (planted & PlantedBugs.LeakFramesOfFailedReservation) != 0;
        CleanPageWrittenDuringWriteback = (planted & PlantedBugs.CleanPageWrittenDuringWriteback) != 0;
        SetSizeBeforeStoreExtends = (planted & PlantedBugs.SetSizeBeforeStoreExtends) != 0;
        CancelFlushAsyncOnlyBeforeItStarts = (planted & PlantedBugs.CancelFlushAsyncOnlyBeforeItStarts) != 0;
        ReadErrorAsEndOfFile = (planted & PlantedBugs.ReadErrorAsEndOfFile) != 0;
        KeepDroppedFailedPageInEpoch = (planted & PlantedBugs.KeepDroppedFailedPageInEpoch) != 0;
        GoOnAfterOnePauseOverTheLimit = (planted & PlantedBugs.GoOnAfterOnePauseOverTheLimit) != 0;
        WakeThrottledWriterOnlyAtFreerun = (planted & PlantedBugs.WakeThrottledWriterOnlyAtFreerun) != 0;
        DropFailureOfFlushLeftRunning = (planted & PlantedBugs.DropFailureOfFlushLeftRunning) != 0;
        SkipDirectorySync = (planted & PlantedBugs.SkipDirectorySync) != 0;
    }

    /// <summary>A page whose write failed is treated as written: its data is dropped (ClusterWriter).</summary>
    public bool DropPageAfterFailedWrite { get; }

    /// <summary>An error epoch reported to one handle is not reported to the others (CachedFile).</summary>
    public bool ClearErrorAfterFirstReport { get; }

    /// <summary>Dropping a range evicts pages written but not yet durable (Eviction).</summary>
    public bool EvictUnsyncedPage { get; }

    /// <summary>Write-back writes the whole last page instead of clipping it at end of file (ClusterWriter).</summary>
    public bool SkipEofClipping { get; }

    /// <summary>A handle's flush reports an error epoch without moving its cursor past it (CachedFile).</summary>
    public bool ReportErrorTwice { get; }

    /// <summary>A failed demanded read starts an error epoch: a later flush reports a write error that never happened (Pager).</summary>
    public bool ReportReadErrorAsWriteError { get; }

    /// <summary>A durable flush marks the written pages durable without calling the store's flush (FileSync).</summary>
    public bool SkipDurableFlush { get; }

    /// <summary>A truncate leaves the bytes past the new end in the last page (Truncation).</summary>
    public bool KeepBytesPastNewEnd { get; }

    /// <summary>A closing file drops its pages not yet durable instead of staying open, so a handle opened during the close loses its writes (Eviction, at a close).</summary>
    public bool DropPagesDirtiedDuringClose { get; }

    /// <summary>A short read leaves the page's tail past the bytes read unzeroed, so stale frame bytes survive (Pager).</summary>
    public bool SkipShortReadZeroFill { get; }

    /// <summary>A new handle's error cursor starts at the file's current epoch, so an epoch nobody reported is never reported to the next opener (CachedFile).</summary>
    public bool SkipUnreportedEpochForNewHandle { get; }

    /// <summary>A failed cluster read caches the pages after its first as valid zeros instead of discarding them (Pager).</summary>
    public bool ZeroFailedReadAhead { get; }

    /// <summary>A truncate frees a dropped page a lease still pins (Truncation).</summary>
    public bool FreePinnedPageOnTruncate { get; }

    /// <summary>A reservation the exhausted pool cannot complete keeps the frames it got, so the pool shrinks for good (PageAllocator).</summary>
    public bool LeakFramesOfFailedReservation { get; }

    /// <summary>A completed write marks its page clean even if it was written into during the I/O (PageTransitions).</summary>
    public bool CleanPageWrittenDuringWriteback { get; }

    /// <summary>An extending truncate takes the new size before the store accepts it, so a refused length stays in the cache (Truncation).</summary>
    public bool SetSizeBeforeStoreExtends { get; }

    /// <summary>FlushAsync's token only keeps the flush from starting; a cancelled caller waits for a hung store all the same (CachedFile).</summary>
    public bool CancelFlushAsyncOnlyBeforeItStarts { get; }

    /// <summary>A read that fails is taken for the end of the store: the pages read as zeros (Pager).</summary>
    public bool ReadErrorAsEndOfFile { get; }

    /// <summary>A truncate that drops a failed page leaves it counted in the error epoch, which then never ends (Truncation).</summary>
    public bool KeepDroppedFailedPageInEpoch { get; }

    /// <summary>A writer over the dirty limit goes on after one pause, whatever the level (DirtyThrottle).</summary>
    public bool GoOnAfterOnePauseOverTheLimit { get; }

    /// <summary>A writer over the dirty limit is woken only once the data is back at freerun, not once it is below the limit (DirtyThrottle).</summary>
    public bool WakeThrottledWriterOnlyAtFreerun { get; }

    /// <summary>A flush left running that fails reports the failure to its handle, whose caller has gone: that caller never hears of it (CachedFile).</summary>
    public bool DropFailureOfFlushLeftRunning { get; }

    /// <summary>No directory is ever synced: names are not made durable (PageCache).</summary>
    public bool SkipDirectorySync { get; }
}
