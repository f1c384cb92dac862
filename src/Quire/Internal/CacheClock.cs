// CacheClock: the cache's coarse clock: 10 ms ticks since the cache started, from the injected
// TimeProvider, small enough to keep in a frame's metadata (an int spans 248 days).
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
}
