// HandleAccounting: one handle's I/O accounting (Linux's per-task I/O accounting) and its
// throttle bookkeeping.
//
// Locking: counters are atomic; PagesSinceThrottleCheck is a heuristic that threads sharing a
// handle may race on (a lost update only shifts the next throttle check).

namespace Quire.Files;

internal sealed class HandleAccounting
{
    private long _bytesDirtied; // (A)
    private long _bytesWrittenByFlush; // (A)
    private long _throttlePauses; // (A)
    private long _throttleTicks; // (A) TimeSpan ticks

    /// <summary>Pages this handle dirtied since the throttle last looked at it.</summary>
    public int PagesSinceThrottleCheck { get; set; }

    public long BytesDirtied => Volatile.Read(ref _bytesDirtied);

    public long BytesWrittenByFlush => Volatile.Read(ref _bytesWrittenByFlush);

    public long ThrottlePauses => Volatile.Read(ref _throttlePauses);

    public TimeSpan ThrottleTime => TimeSpan.FromTicks(Volatile.Read(ref _throttleTicks));

    public void AddBytesDirtied(long bytes) => Interlocked.Add(ref _bytesDirtied, bytes);

    public void AddBytesWrittenByFlush(long bytes) => Interlocked.Add(ref _bytesWrittenByFlush, bytes);

    public void AddPause(TimeSpan pause)
    {
        Interlocked.Increment(ref _throttlePauses);
        Interlocked.Add(ref _throttleTicks, pause.Ticks);
    }
}
