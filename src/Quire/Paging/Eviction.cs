// Eviction: drops a file's pages on purpose, not by reclaim pressure: "don't need" advice
// (FreeBSD's vm_page_dontneed: drop clean pages, move the rest to where reclaim looks first)
// and the eviction of every page when a file's last handle closes.
//
// Locking: pages are claimed and removed under the file lock; frames are freed and queues
// changed after it is released (file lock before queue lock in any case).
// Invariants: only clean, durable, unheld pages are dropped (P1, P5); dirty or unsynced data is
// never dropped here.

using Quire.Files;
using Quire.Frames;
using Quire.Internal;

namespace Quire.Paging;

internal sealed class Eviction
{
    private static readonly TimeSpan s_exclusiveHoldWait = TimeSpan.FromMilliseconds(100); // longer than any transient hold
    private readonly FramePool _pool; // (I)
    private readonly PageAllocator _allocator; // (I)
    private readonly PageHolds _holds; // (I)
    private readonly PageTransitions _transitions; // (I) needed only by the EvictUnsyncedPage and DropPagesDirtiedDuringClose canaries
    private readonly Canaries _canaries; // (I) the planted bugs, none outside the canary tests

    public Eviction(FramePool pool, PageAllocator allocator, PageHolds holds, PageTransitions transitions, Canaries canaries)
    {
        _pool = pool;
        _allocator = allocator;
        _holds = holds;
        _transitions = transitions;
        _canaries = canaries;
    }

    /// <summary>Drops the clean unheld pages of [fromPage, toPage) and deactivates the others. Returns the number dropped.</summary>
    public int DropRange(FileObject file, long fromPage, long toPage)
    {
        var toFree = new List<int>();
        var toDeactivate = new List<int>();
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            long cursor = fromPage;
            while (file.Index.FindNextLocked(cursor, toPage, null, out long page, out int frame))
            {
                cursor = page + 1;
                ref int state = ref _pool.Metadata(frame).State;
                int notClean = PageState.Dirty | PageState.Unsynced | PageState.Writeback;
                if (_canaries.EvictUnsyncedPage)
                {
                    notClean &= ~PageState.Unsynced; // the canary: written but not durable counts as clean
                }

                if ((Volatile.Read(ref state) & notClean) == 0 && PageState.TryAcquireExclusive(ref state))
                {
                    // Holding the page Exclusive, nobody can dirty it; a writeback needs it dirty.
                    if ((Volatile.Read(ref state) & notClean) == 0)
                    {
                        ForgetUnsyncedForCanary(file, frame);
                        file.Index.RemoveLocked(page);
                        toFree.Add(frame);
                        continue;
                    }

                    _holds.Release(frame, exclusive: true);
                }

                toDeactivate.Add(frame);
            }
        }

        foreach (int frame in toFree)
        {
            _allocator.Free(frame);
        }

        foreach (int frame in toDeactivate)
        {
            _allocator.Deactivate(frame);
        }

        return toFree.Count;
    }

    /// <summary>
    /// Drops every page of a file whose last handle closed. A clean page held shared (a lease that
    /// outlives its handle, a racing reader) is doomed: it leaves the index now and its last holder
    /// frees it. Returns false, keeping the pages, when some hold data that is not durable or stay
    /// held exclusively (a write lease) past the deadline.
    /// </summary>
    public bool EvictAll(FileObject file, Deadline deadline)
    {
        while (true)
        {
            DropRange(file, 0, long.MaxValue);
            long page;
            int frame;
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                if (!file.Index.FindNextLocked(0, long.MaxValue, null, out page, out frame))
                {
                    return true;
                }

                if (TryDoomCleanSharedLocked(file, page, frame))
                {
                    continue;
                }
            }

            int state = Volatile.Read(ref _pool.Metadata(frame).State);
            if ((state & (PageState.Dirty | PageState.Unsynced)) != 0)
            {
                return false;
            }

            if ((state & PageState.Writeback) != 0)
            {
                _holds.WaitForWriteback(frame, file, page, deadline);
                continue;
            }

            // Held exclusively: by the reclaim scan for an instant, or by a write lease, which may
            // belong to the very thread closing the file: wait briefly, then keep the file open.
            try
            {
                Deadline brief = Deadline.After(s_exclusiveHoldWait);
                int held = _holds.LookupAndAcquire(file, page, exclusive: true, brief.RemainingMilliseconds < deadline.RemainingMilliseconds ? brief : deadline);
                if (held >= 0)
                {
                    _holds.Release(held, exclusive: true);
                }
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// The DropPagesDirtiedDuringClose canary, a no-op unless planted: a closing file gives up its
    /// data not yet durable, as if the flush that began the close had covered every write, so the
    /// writes of a handle opened since the last one closed are lost. Pages under writeback are left.
    /// </summary>
    public void DropNotDurableIfPlanted(FileObject file)
    {
        if (!_canaries.DropPagesDirtiedDuringClose)
        {
            return;
        }

        var toFree = new List<int>();
        lock (file.Lock)
        {
            long cursor = 0;
            while (file.Index.FindNextLocked(cursor, long.MaxValue, null, out long page, out int frame))
            {
                cursor = page + 1;
                ref int state = ref _pool.Metadata(frame).State;
                if ((Volatile.Read(ref state) & PageState.Writeback) != 0 || !PageState.TryAcquireExclusive(ref state))
                {
                    continue;
                }

                if ((Volatile.Read(ref state) & PageState.Writeback) != 0)
                {
                    _holds.Release(frame, exclusive: true);
                    continue;
                }

                if (_transitions.DiscardData(file, frame, doom: false))
                {
                    file.Errors.RecordRecoveryLocked(1);
                }

                file.Index.RemoveLocked(page);
                toFree.Add(frame);
            }
        }

        foreach (int frame in toFree)
        {
            _allocator.Free(frame);
        }
    }

    /// <summary>The EvictUnsyncedPage canary: clears a held page's Unsynced bit and counts, so the frame can be freed.</summary>
    private void ForgetUnsyncedForCanary(FileObject file, int frame)
    {
        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        if (!_canaries.EvictUnsyncedPage || (Volatile.Read(ref metadata.State) & PageState.Unsynced) == 0)
        {
            return;
        }

        _transitions.ForgetUnsyncedForCanary(file, frame);
    }

    private bool TryDoomCleanSharedLocked(FileObject file, long page, int frame)
    {
        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        PageState.EnterMetaLock(ref metadata.State);
        int state = Volatile.Read(ref metadata.State);
        bool doom = (state & (PageState.Exclusive | PageState.Dirty | PageState.Unsynced | PageState.Writeback | PageState.Doomed)) == 0
            && PageState.SharedCount(state) > 0;
        if (doom)
        {
            PageState.SetBits(ref metadata.State, PageState.Doomed);
        }

        PageState.ExitMetaLock(ref metadata.State);
        if (!doom)
        {
            return false;
        }

        file.Index.RemoveLocked(page);
        _holds.FreeIfDoomed(frame); // every holder may have let go before the doom was set
        return true;
    }
}
