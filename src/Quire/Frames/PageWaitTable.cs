// PageWaitTable: where threads wait for a frame's state to change, hashed by frame number, as
// Linux hashes page wait queues, so the cache keeps no wait object per frame.
//
// Locking: each bucket is a monitor. A waiter sets PageState.Waiters on the frame and re-checks
// its condition inside the bucket's monitor before it waits; a thread that clears a hold and
// sees Waiters in the state it replaced clears the bit and pulses the bucket. Both sides use
// full-fence atomics on the state word, so no wake-up is lost.
// Invariants: every wait is bounded by a Deadline; a spurious wake-up only costs a re-check.

using Quire.Internal;

namespace Quire.Frames;

internal sealed class PageWaitTable
{
    private const int BucketCount = 256; // a power of two; enough that unrelated waits rarely share a bucket

    private readonly object[] _buckets; // (I)
    private readonly FramePool _pool; // (I)

    public PageWaitTable(FramePool pool)
    {
        _pool = pool;
        _buckets = new object[BucketCount];
        for (int i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] = new object();
        }
    }

    /// <summary>
    /// Waits until none of <paramref name="blockingBits"/> is set on <paramref name="frame"/>, or the frame
    /// no longer holds page <paramref name="pageNumber"/> of file <paramref name="fileId"/>.
    /// Returns false when the deadline passed first.
    /// </summary>
    public bool WaitWhile(int frame, int fileId, long pageNumber, int blockingBits, Deadline deadline)
    {
        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        object bucket = _buckets[frame & (BucketCount - 1)];
        using (LockOrder.Enter(bucket, LockRank.PageWaitBucket))
        {
            while (true)
            {
                int state = PageState.SetBits(ref metadata.State, PageState.Waiters);
                if ((state & blockingBits) == 0
                    || Volatile.Read(ref metadata.FileId) != fileId
                    || Volatile.Read(ref metadata.PageNumber) != pageNumber)
                {
                    // No wait after all. If the bit was ours alone, take it back: no waiter of the
                    // frame relies on it (one in the monitor would have set it before waiting, and
                    // a wake that cleared it also woke that waiter, which re-sets it only after
                    // this bucket's monitor is released), and left set on an idle frame it would
                    // only cost its next release a needless wake.
                    if ((state & PageState.Waiters) == 0)
                    {
                        PageState.ClearBits(ref metadata.State, PageState.Waiters);
                    }

                    return true;
                }

                if (deadline.HasExpired)
                {
                    return false;
                }

                LockOrder.Wait(bucket, deadline.RemainingMilliseconds, LockRank.PageWaitBucket);
            }
        }
    }

    /// <summary>
    /// Wakes the waiters of <paramref name="frame"/> if <paramref name="stateBefore"/>, the state a
    /// release replaced, says there are any.
    /// </summary>
    public void WakeIfWaiting(int frame, int stateBefore)
    {
        if ((stateBefore & PageState.Waiters) != 0)
        {
            Wake(frame);
        }
    }

    /// <summary>Wakes every waiter of <paramref name="frame"/> (for example after its identity changed).</summary>
    public void Wake(int frame)
    {
        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        PageState.ClearBits(ref metadata.State, PageState.Waiters);
        object bucket = _buckets[frame & (BucketCount - 1)];
        using (LockOrder.Enter(bucket, LockRank.PageWaitBucket))
        {
            Monitor.PulseAll(bucket);
        }
    }
}
