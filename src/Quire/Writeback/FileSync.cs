// FileSync: makes a file's written pages durable: calls the store's durable flush, then marks
// clean every page written before the flush began. If the flush fails, every page written since the last successful one is treated
// as not written and made dirty again (P5: after a failed fsync the OS may have dropped them,
// as PostgreSQL learned in 2018).
//
// Locking: the file's SyncLock across the whole of a sync, store flush included, so a file's
// durable flushes never overlap; the file lock around the generation bump and the page
// transitions, never across the store's flush. Callers are inside the file's store gate, so no
// size change runs meanwhile.
// Invariants: a page is clean (not Unsynced) only after a store flush that began after its write
// completed succeeded; SyncGeneration orders the two.

using Quire.Files;
using Quire.Frames;
using Quire.Internal;
using Quire.Metrics;

namespace Quire.Writeback;

internal sealed class FileSync
{
    private readonly FramePool _pool; // (I)
    private readonly PageTransitions _transitions; // (I)
    private readonly CacheCounters _counters; // (I)
    private readonly CacheClock _clock; // (I)
    private readonly ProgressSignal _progress; // (I)
    private readonly Canaries _canaries; // (I) the planted bugs, none outside the canary tests

    public FileSync(FramePool pool, PageTransitions transitions, CacheCounters counters, CacheClock clock, ProgressSignal progress, Canaries canaries)
    {
        _pool = pool;
        _transitions = transitions;
        _counters = counters;
        _clock = clock;
        _progress = progress;
        _canaries = canaries;
    }

    /// <summary>Makes the file's written pages and its size durable. Returns the store's failure, or null.</summary>
    public Exception? Sync(FileObject file)
    {
        // One durable flush of a file at a time (FileObject.SyncLock): a failure re-dirties and
        // records its epoch before any later flush can mark the same pages durable or report
        // success without it.
        using (LockOrder.Enter(file.SyncLock, LockRank.FileSync))
        {
            return SyncLocked(file);
        }
    }

    private Exception? SyncLocked(FileObject file)
    {
        int generation;
        bool storeChanged;
        int unsynced;
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            generation = file.SyncGeneration;
            file.SyncGeneration = generation + 1;
            storeChanged = file.TakeStoreChanged();
            unsynced = file.UnsyncedPageCount;
        }

        if (!storeChanged && unsynced == 0)
        {
            // Nothing reached the store since its last successful sync: there is nothing to make
            // durable, and a sync would only cost its latency (a commit of unchanged files, a
            // flush of a clean file). A write under way now is not this sync's to cover.
            return null;
        }

        // No length change here: writes of the file may be in flight on other threads, and a
        // length set from a snapshot of the size could cut off one that just landed past it. The
        // store's length follows the size without it: SetLength changes it (under the resize
        // gate), and every extending write is a write of a dirty page up to the size.
        try
        {
            if (!_canaries.SkipDurableFlush)
            {
                file.Store.Flush();
            }
        }
        catch (Exception e)
        {
            file.MarkStoreChanged(); // whatever the store held is still not known durable
            _counters.FlushFailures.Increment();
            _counters.Log.FlushFailed(file.Name, e);
            RedirtyUnsynced(file, generation, e);
            return e;
        }

        _counters.DurableFlushes.Increment();
        MarkDurable(file, generation);
        _progress.Pulse();
        return null;
    }

    private void MarkDurable(FileObject file, int generation)
    {
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            long page = 0;
            while (file.Index.FindNextLocked(page, long.MaxValue, PageTag.Unsynced, out page, out int frame))
            {
                if (_pool.Metadata(frame).SyncGeneration - generation <= 0)
                {
                    _transitions.MarkDurableLocked(file, page, frame);
                }

                page++;
            }
        }
    }

    private void RedirtyUnsynced(FileObject file, int generation, Exception error)
    {
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            int newlyFailed = 0;
            long first = -1;
            long last = -1;
            long page = 0;
            while (file.Index.FindNextLocked(page, long.MaxValue, PageTag.Unsynced, out page, out int frame))
            {
                if (_pool.Metadata(frame).SyncGeneration - generation <= 0)
                {
                    if (_transitions.RedirtyAfterFailedSyncLocked(file, page, frame))
                    {
                        newlyFailed++;
                    }

                    first = first < 0 ? page : first;
                    last = page;
                }

                page++;
            }

            // The pages written since the last successful flush are not known to be on the device:
            // the failure starts (or extends) an error epoch covering them, and a flush of another
            // thread that waited for this one learns that its pages may be among them.
            file.SyncFailures++;
            long start = Math.Max(0, first) << _pool.PageShift;
            long end = first < 0 ? start : Math.Min(file.Size, (last + 1) << _pool.PageShift);
            file.RecordFailureLocked(error, new ByteRange(start, end - start), newlyFailed, _clock.NowTick);
        }
    }
}
