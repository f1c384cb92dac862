// Deadline: the end of a bounded wait, measured on the monotonic tick count.
//
// Locking: immutable value. Waits are bounded for liveness, not for behaviour, so they use the
// machine's monotonic clock rather than the cache's TimeProvider: a test driving a manual clock
// must not turn a short wait into an endless one.

namespace Quire.Internal;

internal readonly struct Deadline
{
    private readonly long _endTicks;

    private Deadline(long endTicks) => _endTicks = endTicks;

    public static Deadline After(TimeSpan timeout)
    {
        long milliseconds = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue / 2 : (long)timeout.TotalMilliseconds;
        return new Deadline(Environment.TickCount64 + milliseconds);
    }

    public bool HasExpired => Environment.TickCount64 >= _endTicks;

    /// <summary>Milliseconds left, clamped to [0, int.MaxValue] for <see cref="Monitor.Wait(object, int)"/>.</summary>
    public int RemainingMilliseconds => (int)Math.Clamp(_endTicks - Environment.TickCount64, 0, int.MaxValue);
}
