// PlantedBugs: known bugs the reliability suites must catch (canaries: docs/DURABILITY.md, "Canaries"). Compiled
// into every build but inert: only a test sets PageCacheOptions.PlantedBugs, per cache, so a
// planted bug never leaks into another cache or another test running in parallel. The library
// reads these flags only through Canaries, once per cache.
//
// Locking: immutable (an options value).

namespace Quire.Internal;

[Flags]
internal enum PlantedBugs
{
    None = 0,

    /// <summary>A page whose write failed is treated as written: its data is dropped (ClusterWriter).</summary>
    DropPageAfterFailedWrite = 1,

    /// <summary>An error epoch reported to one handle is not reported to the others (CachedFile).</summary>
    ClearErrorAfterFirstReport = 2,

    /// <summary>Dropping a range evicts pages written but not yet durable (Eviction).</summary>
    EvictUnsyncedPage = 4,

    /// <summary>Write-back writes the whole last page instead of clipping it at end of file (ClusterWriter).</summary>
    SkipEofClipping = 8,

    /// <summary>A handle's flush reports an error epoch without moving its cursor past it: the epoch is reported again (CachedFile).</summary>
    ReportErrorTwice = 16,

    /// <summary>A failed demanded read starts an error epoch, so a later flush reports a write error that never happened (Pager).</summary>
    ReportReadErrorAsWriteError = 32,

    /// <summary>A durable flush marks the written pages durable without calling the store's flush (FileSync).</summary>
    SkipDurableFlush = 64,

    /// <summary>A truncate leaves the bytes past the new end in the last page: a later extension reads them again (Truncation).</summary>
    KeepBytesPastNewEnd = 128,

    /// <summary>A closing file drops its pages not yet durable instead of staying open: a handle opened during the close loses its writes (Eviction, at a close).</summary>
    DropPagesDirtiedDuringClose = 256,

    /// <summary>A short read (the store ends before the cache's size) leaves the page's tail past the bytes read unzeroed: stale frame bytes survive (Pager).</summary>
    SkipShortReadZeroFill = 512,

    /// <summary>A new handle's error cursor starts at the file's current epoch: an epoch nobody reported is never reported to the next opener (CachedFile).</summary>
    SkipUnreportedEpochForNewHandle = 1024,

    /// <summary>A failed cluster read rereads its first page alone and caches the rest of the cluster as valid zeros instead of discarding it (Pager).</summary>
    ZeroFailedReadAhead = 2048,

    /// <summary>A truncate frees a dropped page a lease still pins instead of leaving it to the last holder (Truncation).</summary>
    FreePinnedPageOnTruncate = 4096,

    /// <summary>A reservation the exhausted pool cannot complete keeps the frames it got instead of freeing them: the pool shrinks for good (PageAllocator).</summary>
    LeakFramesOfFailedReservation = 8192,

    /// <summary>A completed write marks its page clean even if it was written into during the I/O: those bytes are never written (PageTransitions).</summary>
    CleanPageWrittenDuringWriteback = 16384,

    /// <summary>An extending truncate takes the new size before the store accepts it: a length the store refuses (EFBIG) is left in the cache (Truncation).</summary>
    SetSizeBeforeStoreExtends = 32768,

    /// <summary>FlushAsync's token only keeps the flush from starting: once it runs, cancelling does not end the wait, which lasts as long as the store's durable flush hangs (CachedFile).</summary>
    CancelFlushAsyncOnlyBeforeItStarts = 65536,

    /// <summary>A read that fails is taken for the end of the store, as a loop that stops on a return of 0 or less takes pread's -1: the pages read as zeros, and a partial-page write goes ahead over them (Pager).</summary>
    ReadErrorAsEndOfFile = 131072,

    /// <summary>A truncate that drops a page whose write failed leaves it counted in the error epoch: the epoch never ends, so a later failure joins one every handle has reported (Truncation).</summary>
    KeepDroppedFailedPageInEpoch = 262144,

    /// <summary>A writer over the dirty limit goes on after one pause of at most 200 ms, whether or not the data fell below the limit: on a device that writes nothing, the data grows past it (DirtyThrottle).</summary>
    GoOnAfterOnePauseOverTheLimit = 524288,

    /// <summary>A writer over the dirty limit waits to be woken at freerun, as one below it does: completed writes that bring the data below the limit leave it asleep (DirtyThrottle).</summary>
    WakeThrottledWriterOnlyAtFreerun = 1048576,

    /// <summary>A flush left running (its caller timed out or cancelled) that then fails reports the failure to its handle, whose caller has gone: the handle's cursor passes the epoch, so the caller that stopped waiting never hears of it (CachedFile).</summary>
    DropFailureOfFlushLeftRunning = 2097152,

    /// <summary>Names are never made durable: the directory syncs of a created file's first flush, of Move and of Delete are skipped, so a power cut may lose a name the caller was told is durable (PageCache).</summary>
    SkipDirectorySync = 4194304,
}
