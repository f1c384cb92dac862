// Truncation: changes a file's size (DragonFly's vnode_pager_setsize): pages past a new, smaller
// end are dropped, dirty or not; the partial last page is zeroed past the end and its dirty
// sectors there cleared, so a later extension reads zeros; the store is cut to match.
//
// Locking: the whole change runs inside the file's resize gate (no writeback in flight, none
// starts), the page drops under the file lock. A page someone holds is doomed instead of freed:
// it leaves the index at once and the last holder frees it (Linux drops such pages from the
// mapping the same way). The new last page is taken Exclusive first, waiting for holders; if
// that times out, nothing has changed.
// Invariants: when SetLength returns, no page at or past the new end is in the index, no byte
// past the end is dirty, the store's length is the new size (or a truncation is pending and is
// applied before anything else is written to the store), and no write issued before can land
// past the end (the gate waited for them) (P7).

using Quire.Files;
using Quire.Frames;
using Quire.Internal;

namespace Quire.Paging;

internal sealed class Truncation
{
    private readonly FramePool _pool; // (I)
    private readonly PageAllocator _allocator; // (I)
    private readonly PageHolds _holds; // (I)
    private readonly PageTransitions _transitions; // (I)
    private readonly Canaries _canaries; // (I) the planted bugs, none outside the canary tests

    public Truncation(FramePool pool, PageAllocator allocator, PageHolds holds, PageTransitions transitions, Canaries canaries)
    {
        _pool = pool;
        _allocator = allocator;
        _holds = holds;
        _transitions = transitions;
        _canaries = canaries;
    }

    /// <summary>Sets the file's size. Throws <see cref="BackingStoreException"/> if the store refuses; see the invariants.</summary>
    public void SetLength(FileObject file, long newSize)
    {
        Deadline deadline = _holds.NewPageDeadline();
        file.Gate.EnterResize(deadline);
        try
        {
            long oldSize = file.Size;
            if (newSize > oldSize)
            {
                Extend(file, newSize);
            }
            else if (newSize < oldSize)
            {
                Shrink(file, newSize, deadline);
            }
        }
        finally
        {
            file.Gate.ExitResize();
        }
    }

    /// <summary>
    /// Drops the pages in [<paramref name="firstPage"/>, <paramref name="endPage"/>) without writing
    /// them, dirty or not, and leaves the size alone: the caller gives their data up on purpose (the
    /// way out of a write failure retrying cannot heal). Runs inside the resize gate, so no write of
    /// them is in flight. Failed pages among them end their part of the error epoch, which is still
    /// reported to every handle that has not seen it (T4).
    /// </summary>
    public void Discard(FileObject file, long firstPage, long endPage)
    {
        Deadline deadline = _holds.NewPageDeadline();
        file.Gate.EnterResize(deadline);
        try
        {
            var toFree = new List<int>();
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                long cursor = firstPage;
                while (file.Index.FindNextLocked(cursor, endPage, null, out long page, out int frame))
                {
                    DropPageLocked(file, page, frame, toFree);
                    cursor = page + 1;
                }

                file.Index.AssertInvariantsLocked();
            }

            _allocator.FreeMany(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(toFree));
        }
        finally
        {
            file.Gate.ExitResize();
        }
    }

    /// <summary>Drops page <paramref name="page"/> from the index under the file lock: frees it, or dooms it if held.</summary>
    public void DropPageLocked(FileObject file, long page, int frame, List<int> toFree)
    {
        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        bool claimed = PageState.TryAcquireExclusive(ref metadata.State);
        file.Index.RemoveLocked(page);
        // Truncation discards the page's data not yet durable by intent; a failed write's epoch
        // is still reported (T4), and the page no longer keeps it open.
        if (_transitions.DiscardData(file, frame, doom: !claimed) && !_canaries.KeepDroppedFailedPageInEpoch) // the canary forgets it
        {
            file.Errors.RecordRecoveryLocked(1);
        }
        if (claimed || _canaries.FreePinnedPageOnTruncate) // the canary frees it under its holders
        {
            toFree.Add(frame);
        }
        else
        {
            // Every holder may have let go before the doom was set: then nobody else frees it.
            _holds.FreeIfDoomed(frame);
        }
    }

    private void Extend(FileObject file, long newSize)
    {
        if (_canaries.SetSizeBeforeStoreExtends)
        {
            // The canary: the cache takes the new size first, so a length the store then refuses
            // (too large, no space) stays the file's size although the call failed.
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                file.SetSizeLocked(newSize);
            }
        }

        if (file.IsWritable)
        {
            // The store first: if it refuses (no space), nothing has changed.
            ApplyStoreLength(file, newSize);
        }

        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            file.SetSizeLocked(newSize);
        }
    }

    private void Shrink(FileObject file, long newSize, Deadline deadline)
    {
        // The new last page first, before anything changes: if a lease holds it past the
        // deadline, the truncate fails and the file is as it was (T3).
        int tailBytes = (int)(newSize & (_pool.PageSize - 1));
        long tailPage = newSize >> _pool.PageShift;
        int tailFrame = tailBytes != 0 ? _holds.LookupAndAcquire(file, tailPage, exclusive: true, deadline) : -1;
        var toFree = new List<int>();
        long firstDropped = (newSize + _pool.PageSize - 1) >> _pool.PageShift;
        try
        {
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                file.SetSizeLocked(newSize);
                long cursor = firstDropped;
                while (file.Index.FindNextLocked(cursor, long.MaxValue, null, out long page, out int frame))
                {
                    DropPageLocked(file, page, frame, toFree);
                    cursor = page + 1;
                }

                file.Index.AssertInvariantsLocked();
            }

            _allocator.FreeMany(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(toFree));
        }
        catch when (tailFrame >= 0)
        {
            // A failed check latched the cache; the new last page must not stay held for ever.
            _holds.Release(tailFrame, exclusive: true);
            throw;
        }

        if (tailFrame >= 0)
        {
            ZeroTail(file, tailFrame, tailPage, tailBytes);
        }

        if (file.IsWritable)
        {
            ApplyStoreLength(file, newSize);
        }
    }

    /// <summary>Zeroes the last page past the end and clears its dirty sectors there (they are not data any more).</summary>
    private void ZeroTail(FileObject file, int frame, long page, int tailBytes)
    {
        try
        {
            if (!_canaries.KeepBytesPastNewEnd)
            {
                _pool.Bytes(frame)[tailBytes..].Clear();
            }

            int firstSectorPast = (tailBytes + SectorMask.SectorSize - 1) >> SectorMask.SectorShift;
            int sectorCount = _pool.PageSize >> SectorMask.SectorShift;
            UInt128 past = SectorMask.Range(firstSectorPast, sectorCount - firstSectorPast);
            _transitions.ClipPastEnd(file, page, frame, past);
        }
        finally
        {
            _holds.Release(frame, exclusive: true);
        }
    }

    /// <summary>Sets the store's length, first applying a truncation left pending; on failure leaves one pending (applied, and the store brought to the size, before the next write-back).</summary>
    private static void ApplyStoreLength(FileObject file, long length)
    {
        file.MarkStoreChanged();
        try
        {
            long pending = file.PendingStoreTruncate;
            if (pending >= 0 && pending < length)
            {
                file.Store.SetLength(pending);
            }

            file.Store.SetLength(length);
        }
        catch (Exception e)
        {
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                // A shrink has already set the size: the store must follow it, whether it is now
                // longer (cut it) or shorter (a hole at the new end: no dirty page will lengthen
                // it). A failed extension changed nothing, and needs nothing pending.
                if (length < file.StoreLength || file.Size == length)
                {
                    long pending = file.PendingStoreTruncate;
                    file.PendingStoreTruncate = pending >= 0 ? Math.Min(pending, length) : length;
                }
            }

            throw new BackingStoreException("set the length of", file.Name, length, 0, e);
        }

        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            file.PendingStoreTruncate = -1;
            file.StoreLength = length;
        }
    }

}
