// CacheInspector: the cache's invariants that a quiescent cache must satisfy (RELIABILITY I2, I6,
// I7, I11), read from the frame metadata through the internals the tests may see: no frame held,
// pinned, under writeback, doomed or waited on; the dirty and unsynced counters match the frames;
// the frames in use never exceed the pool.

using Quire.Frames;

namespace Quire.Tests.Reliability;

internal static class CacheInspector
{
    /// <summary>Returns a sentence naming the first broken invariant of an idle cache, or null when all hold.</summary>
    public static string? FindQuiescenceViolation(PageCache cache)
    {
        FramePool pool = cache.Pool;
        int dirty = 0;
        int unsynced = 0;
        for (int frame = 0; frame < pool.FrameCount; frame++)
        {
            int state = Volatile.Read(ref pool.Metadata(frame).State);
            PageQueue queue = PageState.QueueOf(state);
            if (queue == PageQueue.Free)
            {
                continue; // free frames are held by the free queue itself
            }

            if (queue == PageQueue.None)
            {
                return $"Frame {frame} is on no queue while the cache is idle (state 0x{state:X}): it is leaked or still held.";
            }

            if ((state & PageState.HoldMask) != 0)
            {
                return $"Frame {frame} (page {pool.Metadata(frame).PageNumber}) is still held (state 0x{state:X}): shared {PageState.SharedCount(state)}, "
                    + $"exclusive {(state & PageState.Exclusive) != 0}, writeback {(state & PageState.Writeback) != 0}.";
            }

            if ((state & (PageState.Doomed | PageState.MetaLock | PageState.Waiters)) != 0)
            {
                return $"Frame {frame} is doomed, meta-locked or waited on while the cache is idle (state 0x{state:X}).";
            }

            // Each page counts once: a page written again after its write counts as dirty only.
            dirty += (state & PageState.Dirty) != 0 ? 1 : 0;
            unsynced += (state & (PageState.Dirty | PageState.Unsynced)) == PageState.Unsynced ? 1 : 0;
        }

        PageCacheStatistics statistics = cache.GetStatistics();
        if (statistics.PinnedFrames != 0 || statistics.WritebackPages != 0)
        {
            return $"The statistics count {statistics.PinnedFrames} pinned frames and {statistics.WritebackPages} pages under writeback in an idle cache.";
        }

        if (statistics.DirtyPages != dirty || statistics.UnsyncedPages != unsynced)
        {
            return $"The counters say {statistics.DirtyPages} dirty and {statistics.UnsyncedPages} unsynced pages; the frames say {dirty} and {unsynced}.";
        }

        if (statistics.FreeFrames + statistics.ActiveFrames + statistics.InactiveFrames != statistics.FrameCount)
        {
            return $"Frames on queues ({statistics.FreeFrames} free, {statistics.ActiveFrames} active, {statistics.InactiveFrames} inactive) do not add up to the pool of {statistics.FrameCount}.";
        }

        return null;
    }

    public static void AssertQuiescent(PageCache cache, string context)
    {
        string? violation = FindQuiescenceViolation(cache);
        if (violation is not null)
        {
            Assert.Fail($"{context}: {violation}");
        }
    }
}
