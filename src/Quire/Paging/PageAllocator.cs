// PageAllocator: hands out frames, reclaims them from the inactive queue, and keeps the active
// and inactive queues in balance (FreeBSD's vm_page_alloc with its reserve, and the two-list
// aging Linux and FreeBSD share).
//
// Locking: queue work happens under PageQueues.Lock; detaching a reclaimed frame from its file
// takes that file's lock after the queue lock is released (lock order: file before queues).
// Laundering runs with no queue or file lock held, but under the reservation mutex when a
// reservation reclaims and possibly while the caller holds pages (a write's earlier pages, a
// fill's), so it never waits for a file's size change (docs/ARCHITECTURE.md, "Lock order").
// _frameFreed is a monitor that allocation waits on. Ranks (LockRank): the reservation mutex 2,
// a demand allocation counts as a page hold (4) while it runs, the queue lock 11, _frameFreed 13.
//
// Reclaim policy, in order:
//  1. Balance: while the active queue is more than InactiveRatio times the inactive one, move the
//     oldest active frame to the inactive tail, or, if it was referenced, give it another round on
//     the active queue (second chance).
//  2. Scan the inactive queue from its head: a referenced frame is promoted to the active tail
//     (it was used again since it came in: new pages enter inactive unreferenced, so a one-time
//     scan never displaces the hot set); a held frame is rotated to the tail; a dirty or unsynced
//     one is noted for laundering and rotated; a clean unheld one is claimed. A scan that claimed
//     and noted nothing (it promoted everything, or all it found was held) is followed by a
//     balance that deactivates the active queue's cold frames whatever the ratio, and a scan.
//  3. Claimed frames are detached from their file's index and freed.
//  4. If nothing could be claimed, launder the noted frames (write back and make durable) and scan
//     again; demand allocations then wait, bounded by MaxFrameWait, for frames to come free.
// Invariants: a frame handed out is held Exclusive, on no queue, with no identity, no valid or
// dirty sectors; frames below the reserve go only to demand allocations.

using System.Diagnostics;
using Quire.Files;
using Quire.Frames;
using Quire.Internal;
using Quire.Metrics;
using Quire.Queues;

namespace Quire.Paging;

internal sealed class PageAllocator
{
    private const int ReclaimBatch = 32; // frames claimed per scan: amortizes the queue lock and the file locks
    private const int MaxLaundryBatch = 64; // dirty frames noted per scan for laundering
    private const int MaxScanPerReclaim = ReclaimBatch * 16; // frames one scan looks at
    private static readonly TimeSpan s_retryInterval = TimeSpan.FromMilliseconds(5); // re-scan while waiting: unpins do not signal

    private readonly FramePool _pool; // (I)
    private readonly PageQueues _queues; // (I)
    private readonly FileTable _files; // (I)
    private readonly PageWaitTable _waits; // (I)
    private readonly CacheCounters _counters; // (I)
    private readonly Verify _verify; // (I)
    private readonly Canaries _canaries; // (I) the planted bugs, none outside the canary tests
    private readonly int _reserve; // (I)
    private readonly int _inactiveRatio; // (I)
    private readonly TimeSpan _maxFrameWait; // (I)
    private readonly object _frameFreed = new(); // monitor pulsed when frames are freed
    private readonly object _reservationMutex = new(); // serializes AllocateAll
    private int _frameWaiters; // (A) threads waiting in AllocateForDemand; frees pulse only then
    private IPageLaunderer? _launderer; // (I after start)

    public PageAllocator(FramePool pool, PageQueues queues, FileTable files, PageWaitTable waits, CacheCounters counters, Verify verify, CacheLimits limits, Canaries canaries)
    {
        _pool = pool;
        _queues = queues;
        _files = files;
        _waits = waits;
        _counters = counters;
        _verify = verify;
        _canaries = canaries;
        _reserve = limits.ReserveFrames;
        _maxFrameWait = limits.MaxFrameWait;
        _inactiveRatio = limits.InactiveRatio;

        using (LockOrder.Enter(_queues.Lock, LockRank.PageQueues))
        {
            for (int frame = 0; frame < pool.FrameCount; frame++)
            {
                _pool.Metadata(frame).State = PageState.Exclusive;
                _queues.InsertLocked(frame, PageQueue.Free);
            }
        }
    }

    public void SetLaunderer(IPageLaunderer launderer) => _launderer = launderer;

    /// <summary>
    /// Allocates a frame for a page a caller needs now: may use the reserve, reclaim, launder and
    /// wait up to MaxFrameWait. Throws <see cref="PageCacheExhaustedException"/> when none comes free.
    /// </summary>
    public int AllocateForDemand()
    {
        // Its caller may hold pages (a write's earlier ones, a fill's), and it may reclaim and
        // launder: LockOrder counts it as a page hold for its duration, so nothing under it may
        // wait for a file's store gate (docs/ARCHITECTURE.md, "Lock order").
        LockOrder.CheckBlocking(LockRank.PageHolds);
        LockOrder.Acquired(LockRank.PageHolds);
        try
        {
            return AllocateWaiting();
        }
        finally
        {
            LockOrder.Released(LockRank.PageHolds);
        }
    }

    private int AllocateWaiting()
    {
        Deadline deadline = Deadline.After(_maxFrameWait);
        Exception? launderError = null;
        while (true)
        {
            int frame = TryPopFree(minimumLeft: 0);
            if (frame >= 0)
            {
                return frame;
            }

            if (Reclaim(allowLaunder: true, ref launderError) > 0)
            {
                continue;
            }

            if (deadline.HasExpired)
            {
                (int pinned, int dirty) = CountHeldAndDirtyFrames();
                throw new PageCacheExhaustedException(_pool.FrameCount, pinned, dirty, _maxFrameWait, launderError);
            }

            Interlocked.Increment(ref _frameWaiters);
            using (LockOrder.Enter(_frameFreed, LockRank.FrameFreed))
            {
                LockOrder.Wait(_frameFreed, Math.Min(deadline.RemainingMilliseconds, (int)s_retryInterval.TotalMilliseconds), LockRank.FrameFreed);
            }

            Interlocked.Decrement(ref _frameWaiters);
        }
    }

    /// <summary>
    /// Allocates <paramref name="frames"/>.Length frames for one operation, all or none (Haiku's page
    /// reservation), so a write can fail before it changes anything. Reservations are taken one at a
    /// time: two writers each holding half of what they need and waiting for the rest would wait
    /// on each other until their deadlines, so the second waits for the first to have all of its frames.
    /// </summary>
    public void AllocateAll(Span<int> frames)
    {
        // A mutex held across the reclaim this may do (laundering is I/O). It is taken with no page
        // held and no other lock (before a write holds any of its pages), and everything reclaim
        // takes under it ranks below it, so it cannot close a cycle.
        using (LockOrder.Enter(_reservationMutex, LockRank.FrameReservation))
        {
            int allocated = 0;
            try
            {
                for (; allocated < frames.Length; allocated++)
                {
                    frames[allocated] = AllocateForDemand();
                }
            }
            catch
            {
                // The canary LeakFramesOfFailedReservation keeps them: the pool shrinks for good.
                for (int i = 0; i < allocated && !_canaries.LeakFramesOfFailedReservation; i++)
                {
                    Free(frames[i]);
                }

                throw;
            }
        }
    }

    /// <summary>
    /// Allocates a frame for speculative work (read-ahead, prefetch): never takes the reserve,
    /// never launders, never waits. Returns -1 when no frame is to be had cheaply.
    /// </summary>
    public int TryAllocateForSpeculation()
    {
        int frame = TryPopFree(minimumLeft: _reserve);
        if (frame >= 0)
        {
            return frame;
        }

        Exception? ignored = null;
        Reclaim(allowLaunder: false, ref ignored);
        return TryPopFree(minimumLeft: _reserve);
    }

    /// <summary>
    /// Allocates a free frame above the reserve for work that must never displace a page in use (a
    /// prewarm): never reclaims, never launders, never waits. Returns -1 when none is free.
    /// </summary>
    public int TryAllocateFree() => TryPopFree(minimumLeft: _reserve);

    /// <summary>Puts frames the caller allocated and published (identity set, in an index) on the inactive tail.</summary>
    public void Enqueue(ReadOnlySpan<int> frames)
    {
        using (LockOrder.Enter(_queues.Lock, LockRank.PageQueues))
        {
            foreach (int frame in frames)
            {
                _queues.InsertLocked(frame, PageQueue.Inactive);
            }
        }
    }

    /// <summary>
    /// Frees a frame the caller holds Exclusive and has taken out of its file's index (or never put
    /// in one). The frame must hold no dirty or unsynced data and no other hold.
    /// </summary>
    public void Free(int frame) => FreeMany([frame]);

    /// <summary>Frees several frames as <see cref="Free"/> does, with one queue lock and one wake-up.</summary>
    public void FreeMany(ReadOnlySpan<int> frames)
    {
        foreach (int frame in frames)
        {
            ResetForFree(frame);
        }

        using (LockOrder.Enter(_queues.Lock, LockRank.PageQueues))
        {
            foreach (int frame in frames)
            {
                _queues.RemoveLocked(frame);
                _queues.InsertLocked(frame, PageQueue.Free);
            }
        }

        // A waiter that registers after this read re-scans within the retry interval anyway.
        if (Volatile.Read(ref _frameWaiters) > 0)
        {
            using (LockOrder.Enter(_frameFreed, LockRank.FrameFreed))
            {
                Monitor.PulseAll(_frameFreed);
            }
        }
    }

    private void ResetForFree(int frame)
    {
        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        int state = Volatile.Read(ref metadata.State);
        _verify.That((state & PageState.Exclusive) != 0, $"Frame {frame} is held exclusively by the thread that frees it.");
        _verify.That((state & (PageState.SharedMask | PageState.Writeback)) == 0, $"Frame {frame} is freed while another thread reads it or writes it back: that thread would use reused memory.");
        _verify.That((state & (PageState.Dirty | PageState.Unsynced)) == 0, $"Frame {frame} is freed while holding data of page {metadata.PageNumber} that is not durable: that data would be lost.");

        Volatile.Write(ref metadata.FileId, FrameMetadata.FreeFileId);
        Volatile.Write(ref metadata.PageNumber, -1);
        PageTransitions.ClearSectors(ref metadata);
        int before = ResetStateToExclusive(ref metadata.State);
        _waits.WakeIfWaiting(frame, before);
    }

    /// <summary>Moves a frame to the head of the inactive queue (reclaimed next), clearing its reference bit.</summary>
    public void Deactivate(int frame)
    {
        using (LockOrder.Enter(_queues.Lock, LockRank.PageQueues))
        {
            ref FrameMetadata metadata = ref _pool.Metadata(frame);
            PageQueue queue = PageState.QueueOf(Volatile.Read(ref metadata.State));
            if (queue is PageQueue.Inactive or PageQueue.Active)
            {
                PageState.ClearBits(ref metadata.State, PageState.Referenced);
                _queues.MoveLocked(frame, PageQueue.Inactive, atHead: true);
            }
        }
    }

    /// <summary>Counts frames held (pinned, busy or under writeback) and frames with data not yet durable, by scanning the pool.</summary>
    public (int Held, int Dirty) CountHeldAndDirtyFrames()
    {
        int held = 0;
        int dirty = 0;
        for (int frame = 0; frame < _pool.FrameCount; frame++)
        {
            int state = Volatile.Read(ref _pool.Metadata(frame).State);
            if (PageState.QueueOf(state) == PageQueue.Free)
            {
                continue;
            }

            if ((state & PageState.HoldMask) != 0)
            {
                held++;
            }

            if ((state & (PageState.Dirty | PageState.Unsynced)) != 0)
            {
                dirty++;
            }
        }

        return (held, dirty);
    }

    private static int ResetStateToExclusive(ref int state)
    {
        int current = Volatile.Read(ref state);
        while (true)
        {
            int desired = (current & (PageState.QueueMask | PageState.Waiters)) | PageState.Exclusive;
            int observed = Interlocked.CompareExchange(ref state, desired, current);
            if (observed == current)
            {
                return current;
            }

            current = observed;
        }
    }

    private int TryPopFree(int minimumLeft)
    {
        using (LockOrder.Enter(_queues.Lock, LockRank.PageQueues))
        {
            if (_queues.CountLocked(PageQueue.Free) <= minimumLeft)
            {
                return -1;
            }

            int frame = _queues.PopHeadLocked(PageQueue.Free);
            Debug.Assert(frame >= 0, "A non-empty free queue has a head.");
            AssertFreeFrame(frame);
            if (_pool.IsDisposed)
            {
                // The frame is held now (Exclusive, on no queue): the disposal scan either saw it
                // or this check sees the disposal.
                _queues.InsertLocked(frame, PageQueue.Free);
                throw new ObjectDisposedException(nameof(PageCache));
            }

            return frame;
        }
    }

    /// <summary>Runs one reclaim pass (steps 1-4 above); returns the number of frames it freed.</summary>
    private int Reclaim(bool allowLaunder, ref Exception? launderError)
    {
        Span<int> claimed = stackalloc int[ReclaimBatch];
        Span<int> laundry = stackalloc int[MaxLaundryBatch];
        int claimedCount;
        int laundryCount;
        using (LockOrder.Enter(_queues.Lock, LockRank.PageQueues))
        {
            BalanceLocked();
            (claimedCount, laundryCount) = ScanInactiveLocked(claimed, laundry);
            if (claimedCount == 0 && laundryCount == 0)
            {
                // Nothing on the inactive queue could be taken: the scan may have promoted every
                // inactive frame (each was used again), or every one left is held (the frames of
                // the very write asking for one more). Clean frames may still sit on the active
                // queue, which the ratio alone keeps there: deactivate its cold frames whatever
                // the ratio (reference bits cleared by the scan count as cold now) and scan again.
                // Without it a caller with no wait to spare (MaxFrameWait zero) is told the pool is
                // exhausted while clean frames could be had.
                BalanceLocked(force: true);
                (claimedCount, laundryCount) = ScanInactiveLocked(claimed, laundry);
            }

            _queues.AssertInvariantsLocked();
        }

        DetachAndFree(claimed[..claimedCount]);
        if (claimedCount == 0 && laundryCount > 0 && allowLaunder && _launderer is { } launderer)
        {
            launderError = launderer.Launder(laundry[..laundryCount]) ?? launderError;
            using (LockOrder.Enter(_queues.Lock, LockRank.PageQueues))
            {
                (claimedCount, _) = ScanInactiveLocked(claimed, []);
            }

            DetachAndFree(claimed[..claimedCount]);
        }

        return claimedCount;
    }

    /// <summary>
    /// Moves cold frames from the head of the active queue to the inactive one while the active
    /// queue is over its ratio, or, with <paramref name="force"/>, once over the whole active queue
    /// whatever the ratio; a referenced frame gets a second chance (rotated, its bit cleared).
    /// </summary>
    private void BalanceLocked(bool force = false)
    {
        int budget = _queues.CountLocked(PageQueue.Active);
        while (budget-- > 0 && (force || _queues.CountLocked(PageQueue.Active) > _inactiveRatio * Math.Max(1, _queues.CountLocked(PageQueue.Inactive))))
        {
            int frame = _queues.HeadLocked(PageQueue.Active);
            ref int state = ref _pool.Metadata(frame).State;
            if (PageState.TestAndClearReferenced(ref state))
            {
                _queues.MoveLocked(frame, PageQueue.Active);
            }
            else
            {
                _queues.MoveLocked(frame, PageQueue.Inactive);
                _counters.Deactivations.Increment();
            }
        }
    }

    private (int Claimed, int Laundry) ScanInactiveLocked(Span<int> claimed, Span<int> laundry)
    {
        int claimedCount = 0;
        int laundryCount = 0;

        // Bounded: dirty pages waiting for the page writer sit at the head; walking all of them on
        // every allocation would make reclaim cost grow with the dirty backlog.
        int budget = Math.Min(_queues.CountLocked(PageQueue.Inactive), MaxScanPerReclaim);
        while (budget-- > 0 && claimedCount < claimed.Length)
        {
            int frame = _queues.HeadLocked(PageQueue.Inactive);
            if (frame < 0)
            {
                break;
            }

            ref int state = ref _pool.Metadata(frame).State;
            int current = Volatile.Read(ref state);
            if ((current & PageState.Referenced) != 0 && (current & PageState.Doomed) == 0)
            {
                PageState.ClearBits(ref state, PageState.Referenced);
                _queues.MoveLocked(frame, PageQueue.Active);
                _counters.Promotions.Increment();
            }
            else if ((current & (PageState.HoldMask | PageState.MetaLock | PageState.Doomed)) != 0)
            {
                _queues.MoveLocked(frame, PageQueue.Inactive);
            }
            else if ((current & (PageState.Dirty | PageState.Unsynced)) != 0)
            {
                if (laundryCount < laundry.Length)
                {
                    laundry[laundryCount++] = frame;
                }

                _queues.MoveLocked(frame, PageQueue.Inactive);
            }
            else if (PageState.TryClaimForReclaim(ref state))
            {
                _queues.RemoveLocked(frame);
                claimed[claimedCount++] = frame;
            }
            else
            {
                _queues.MoveLocked(frame, PageQueue.Inactive);
            }
        }

        return (claimedCount, laundryCount);
    }

    /// <summary>
    /// Takes claimed frames out of their files' indexes and frees them (step 3): one file lock per
    /// run of frames of the same file, one queue lock for the batch.
    /// </summary>
    private void DetachAndFree(Span<int> frames)
    {
        if (frames.IsEmpty)
        {
            return;
        }

        int start = 0;
        while (start < frames.Length)
        {
            int fileId = _pool.Metadata(frames[start]).FileId;
            FileObject? file = _files.GetById(fileId);
            _verify.That(file is not null, $"Frame {frames[start]} holds a page of file {fileId}, which is open.");
            int end = start;
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                for (; end < frames.Length && _pool.Metadata(frames[end]).FileId == fileId; end++)
                {
                    ref FrameMetadata metadata = ref _pool.Metadata(frames[end]);

                    // Truncation may have removed the page while the frame was being claimed.
                    if (file.Index.Lookup(metadata.PageNumber) == frames[end])
                    {
                        file.Index.RemoveLocked(metadata.PageNumber);
                    }
                }
            }

            start = end;
        }

        _counters.Evictions.Add(frames.Length);
        foreach (int frame in frames)
        {
            PageState.ClearBits(ref _pool.Metadata(frame).State, PageState.Doomed | PageState.Referenced);
        }

        FreeMany(frames);
    }

    [Conditional("DEBUG")]
    private void AssertFreeFrame(int frame)
    {
        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        Debug.Assert(metadata.FileId == FrameMetadata.FreeFileId, $"Free frame {frame} holds no page.");
        Debug.Assert((metadata.State & PageState.Exclusive) != 0, $"Free frame {frame} is held by the free queue.");
        Debug.Assert((metadata.State & (PageState.SharedMask | PageState.Dirty | PageState.Unsynced | PageState.Writeback)) == 0, $"Free frame {frame} is clean and unheld.");
    }
}
