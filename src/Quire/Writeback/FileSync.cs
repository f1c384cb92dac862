// FileSync: makes a file's written pages durable: brings the store's length up to the file's
// size, calls the store's durable flush, and then marks clean every page written before the
// flush began. If the flush fails, every page written since the last successful one is treated
// as not written and made dirty again (P5: after a failed fsync the OS may have dropped them,
// as PostgreSQL learned in 2018).
//
// Locking: the file lock around the generation bump and the page transitions, never across the
// store's flush. Callers hold the file's writeback gate, so no size change runs meanwhile.
// Invariants: a page is clean (not Unsynced) only after a store flush that began after its write
// completed succeeded; SyncGeneration orders the two.

using Quire.Files;
using Quire.Frames;
using Quire.Metrics;

namespace Quire.Writeback;

internal sealed class FileSync
{
    private readonly FramePool _pool; // (I)
    private readonly CacheCounters _counters; // (I)

    public FileSync(FramePool pool, CacheCounters counters)
    {
        _pool = pool;
        _counters = counters;
    }

    /// <summary>Makes the file's written pages and its size durable. Returns the store's failure, or null.</summary>
    public Exception? Sync(FileObject file)
    {
        int generation;
        long size;
        long storeLength;
        lock (file.Lock)
        {
            generation = file.SyncGeneration;
            file.SyncGeneration = generation + 1;
            size = file.Size;
            storeLength = file.StoreLength;
        }

        try
        {
            if (storeLength < size)
            {
                // The file grew past what its pages' writes extended the store to (a sparse tail):
                // the size is data too and must be durable.
                file.Store.SetLength(size);
                lock (file.Lock)
                {
                    file.StoreLength = Math.Max(file.StoreLength, size);
                }
            }

            file.Store.Flush();
        }
        catch (Exception e)
        {
            _counters.FlushFailures.Increment();
            RedirtyUnsynced(file, generation);
            return e;
        }

        _counters.DurableFlushes.Increment();
        MarkDurable(file, generation);
        return null;
    }

    private void MarkDurable(FileObject file, int generation)
    {
        lock (file.Lock)
        {
            long page = 0;
            while (file.Index.FindNextLocked(page, long.MaxValue, PageTag.Unsynced, out page, out int frame))
            {
                ref FrameMetadata metadata = ref _pool.Metadata(frame);
                if (metadata.SyncGeneration - generation <= 0)
                {
                    PageState.EnterMetaLock(ref metadata.State);
                    PageState.ClearBits(ref metadata.State, PageState.Unsynced);
                    PageState.ExitMetaLock(ref metadata.State);
                    file.Index.ClearTagLocked(page, PageTag.Unsynced);
                    _counters.AddUnsyncedPages(-1);
                }

                page++;
            }
        }
    }

    private void RedirtyUnsynced(FileObject file, int generation)
    {
        lock (file.Lock)
        {
            long page = 0;
            while (file.Index.FindNextLocked(page, long.MaxValue, PageTag.Unsynced, out page, out int frame))
            {
                ref FrameMetadata metadata = ref _pool.Metadata(frame);
                if (metadata.SyncGeneration - generation <= 0)
                {
                    PageState.EnterMetaLock(ref metadata.State);
                    metadata.DirtySectors |= metadata.ValidSectors;
                    int before = PageState.ClearBits(ref metadata.State, PageState.Unsynced);
                    if ((before & PageState.Dirty) == 0)
                    {
                        PageState.SetBits(ref metadata.State, PageState.Dirty);
                        file.AddDirtyPages(1);
                        _counters.AddDirtyPages(1);
                    }

                    PageState.ExitMetaLock(ref metadata.State);
                    file.Index.ClearTagLocked(page, PageTag.Unsynced);
                    file.Index.SetTagLocked(page, PageTag.Dirty);
                    _counters.AddUnsyncedPages(-1);
                }

                page++;
            }
        }
    }
}
