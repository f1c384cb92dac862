// CacheClock: the cache's coarse clock: 10 ms ticks since the cache started, from the injected
// TimeProvider, small enough to keep in a frame's metadata (an int spans 248 days).
//
// Sleep waits on the same provider, so a manual clock in tests decides when a sleeper wakes.
//
// Locking: immutable; TimeProvider is thread-safe.

namespace Quire.Internal;

internal sealed class CacheClock
{
    public const int TickMilliseconds = 10;

    private readonly TimeProvider _timeProvider; // (I)
    private readonly long _startTimestamp; // (I)

    public CacheClock(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _startTimestamp = timeProvider.GetTimestamp();
    }

    public TimeProvider TimeProvider => _timeProvider;

    /// <summary>Ticks since the cache started. Compare ticks by subtraction, which survives wrap-around.</summary>
    public int NowTick => (int)(long)(_timeProvider.GetElapsedTime(_startTimestamp).TotalMilliseconds / TickMilliseconds);

    /// <summary>
    /// Blocks for <paramref name="duration"/> as the time provider counts it; bounded at 10 s of
    /// real time, so a manual clock nobody advances cannot hang the caller.
    /// </summary>
    public void Sleep(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return;
        }

        using var elapsed = new ManualResetEventSlim();
        using ITimer timer = _timeProvider.CreateTimer(static state => ((ManualResetEventSlim)state!).Set(), elapsed, duration, Timeout.InfiniteTimeSpan);
        elapsed.Wait(TimeSpan.FromSeconds(10));
    }
}
