// PageHolds: taking and releasing holds on the frame of a page found through a page index, with
// the identity check, the bounded waits and the freeing of doomed frames that every path needs.
//
// Locking: holds are PageState bits; waits go through the PageWaitTable with no lock held.
// LookupAndAcquire and WaitForWriteback are the blocking acquisitions of LockRank.PageHolds that
// LockOrder checks; the holds are not counted as held, since they may be released on another
// thread (a lease, an asynchronous fill, a writeback's completion; LockOrder's header).
// Invariants: a hold is returned only on a frame whose identity was verified after the hold was
// taken (PageState rule 1); the thread that releases the last hold of a doomed frame frees it.
// Storable leases (PageRangeLease) together hold at most MaxLeasedPages pages: _leasedPages
// counts them, reserved before the holds are taken and returned after they are released.

using System.Diagnostics;
using Quire.Files;
using Quire.Frames;
using Quire.Internal;

namespace Quire.Paging;

internal sealed class PageHolds
{
    private readonly FramePool _pool; // (I)
    private readonly PageWaitTable _waits; // (I)
    private readonly PageAllocator _allocator; // (I)
    private readonly PageTransitions _transitions; // (I)
    private readonly TimeSpan _maxPageWait; // (I)
    private int _leasedPages; // (A) pages held by storable leases, at most MaxLeasedPages

    public PageHolds(FramePool pool, PageWaitTable waits, PageAllocator allocator, PageTransitions transitions, TimeSpan maxPageWait)
    {
        _pool = pool;
        _waits = waits;
        _allocator = allocator;
        _transitions = transitions;
        _maxPageWait = maxPageWait;
    }

    public Deadline NewPageDeadline() => Deadline.After(_maxPageWait);

    /// <summary>
    /// The most pages storable leases may hold at once: a quarter of the pool (at least one). A
    /// lease lives in a field, so nothing bounds how long it pins; the other three quarters stay
    /// for reads, writes and the reserve, so leases alone can never exhaust the pool.
    /// </summary>
    public int MaxLeasedPages => Math.Max(1, _pool.FrameCount / 4);

    /// <summary>The pages storable leases hold now.</summary>
    public int LeasedPages => Volatile.Read(ref _leasedPages);

    /// <summary>Reserves <paramref name="pageCount"/> pages of the leases' budget; false, reserving nothing, when it has no room.</summary>
    public bool TryReserveLeasedPages(int pageCount)
    {
        int after = Interlocked.Add(ref _leasedPages, pageCount);
        if (after <= MaxLeasedPages)
        {
            return true;
        }

        Interlocked.Add(ref _leasedPages, -pageCount);
        return false;
    }

    /// <summary>Returns pages reserved by <see cref="TryReserveLeasedPages"/>.</summary>
    public void ReturnLeasedPages(int pageCount)
    {
        int after = Interlocked.Add(ref _leasedPages, -pageCount);
        Debug.Assert(after >= 0, "Leased pages are returned once: a lease releases its pages only after winning its held flag.");
    }

    /// <summary>
    /// Finds page <paramref name="pageNumber"/> of <paramref name="file"/> and takes a hold on it
    /// (shared or exclusive), waiting while another thread holds it. Returns the frame, or -1 if the
    /// page is not resident. Throws <see cref="TimeoutException"/> at the deadline.
    /// </summary>
    public int LookupAndAcquire(FileObject file, long pageNumber, bool exclusive, Deadline deadline)
    {
        LockOrder.CheckBlocking(LockRank.PageHolds);
        var spinner = default(SpinWait);
        while (true)
        {
            int frame = file.Index.Lookup(pageNumber);
            if (frame < 0)
            {
                return -1;
            }

            ref FrameMetadata metadata = ref _pool.Metadata(frame);
            bool acquired = exclusive ? PageState.TryAcquireExclusive(ref metadata.State) : PageState.TryAcquireShared(ref metadata.State);
            if (acquired)
            {
                if (Volatile.Read(ref metadata.FileId) == file.Id && Volatile.Read(ref metadata.PageNumber) == pageNumber)
                {
                    ThrowIfDisposed(frame, exclusive);
                    return frame;
                }

                // The slot was stale: the frame was reclaimed and reused meanwhile.
                Release(frame, exclusive);
                continue;
            }

            int state = Volatile.Read(ref metadata.State);
            if ((state & PageState.Doomed) != 0
                || Volatile.Read(ref metadata.FileId) != file.Id
                || Volatile.Read(ref metadata.PageNumber) != pageNumber)
            {
                // Being removed from the index or already reused: look again shortly.
                spinner.SpinOnce(sleep1Threshold: -1);
                if (deadline.HasExpired)
                {
                    ThrowTimeout(file, pageNumber);
                }

                continue;
            }

            int blocking = exclusive ? PageState.Exclusive | PageState.SharedMask : PageState.Exclusive;
            if (!_waits.WaitWhile(frame, file.Id, pageNumber, blocking, deadline))
            {
                ThrowTimeout(file, pageNumber);
            }
        }
    }

    /// <summary>Releases a hold taken by <see cref="LookupAndAcquire"/> or by allocation.</summary>
    public void Release(int frame, bool exclusive)
    {
        ref int state = ref _pool.Metadata(frame).State;
        int after = exclusive ? PageState.ReleaseExclusive(ref state) : PageState.ReleaseShared(ref state);
        _waits.WakeIfWaiting(frame, after);
        if ((after & PageState.Doomed) != 0 && (after & PageState.HoldMask) == 0)
        {
            FreeIfDoomed(frame);
        }
    }

    /// <summary>Ends a writeback hold; frees the frame if it was doomed meanwhile.</summary>
    public void ReleaseWriteback(int frame, FileObject file)
    {
        int after = _transitions.EndWriteback(file, frame);
        _waits.WakeIfWaiting(frame, after);
        if ((after & PageState.Doomed) != 0 && (after & PageState.HoldMask) == 0)
        {
            FreeIfDoomed(frame);
        }
    }

    /// <summary>Waits until no writeback of the frame is in flight, or it no longer holds the page.</summary>
    public void WaitForWriteback(int frame, FileObject file, long pageNumber, Deadline deadline)
    {
        LockOrder.CheckBlocking(LockRank.PageHolds);
        if (!_waits.WaitWhile(frame, file.Id, pageNumber, PageState.Writeback, deadline))
        {
            ThrowTimeout(file, pageNumber);
        }
    }

    /// <summary>Frees a doomed frame that nobody holds any more; whoever claims it first does it.</summary>
    public void FreeIfDoomed(int frame)
    {
        ref int state = ref _pool.Metadata(frame).State;
        int current = Volatile.Read(ref state);
        while ((current & PageState.Doomed) != 0 && (current & (PageState.HoldMask | PageState.MetaLock)) == 0)
        {
            int observed = Interlocked.CompareExchange(ref state, (current | PageState.Exclusive) & ~PageState.Doomed, current);
            if (observed == current)
            {
                _allocator.Free(frame);
                return;
            }

            current = observed;
        }
    }

    private void ThrowIfDisposed(int frame, bool exclusive)
    {
        if (_pool.IsDisposed)
        {
            Release(frame, exclusive);
            throw new ObjectDisposedException(nameof(PageCache));
        }
    }

    private void ThrowTimeout(FileObject file, long pageNumber) =>
        throw new TimeoutException(
            $"Waited more than {_maxPageWait.TotalSeconds:0.###} s for page {pageNumber} of '{file.Name}', "
            + "which another thread holds (a lease not disposed, or a store that does not answer).");
}
