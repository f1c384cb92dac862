// Proves the cache clock counts 10 ms ticks since the cache started on the injected TimeProvider,
// with a manual provider the test advances by hand.

using Quire.Internal;

namespace Quire.Tests.Internal;

public sealed class CacheClockTests
{
    [Fact]
    public void TicksCountTenMillisecondStepsOfTheInjectedClock()
    {
        var time = new SteppedTimeProvider();
        var clock = new CacheClock(time);
        Assert.Same(time, clock.TimeProvider);
        Assert.Equal(0, clock.NowTick);

        time.Advance(TimeSpan.FromMilliseconds(9));
        Assert.Equal(0, clock.NowTick);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, clock.NowTick);

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(3001, clock.NowTick);
    }

    [Fact]
    public void TicksStartAtTheClocksCreationNotAtTheEpoch()
    {
        var time = new SteppedTimeProvider();
        time.Advance(TimeSpan.FromDays(3));

        var clock = new CacheClock(time);

        Assert.Equal(0, clock.NowTick);
    }

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class SteppedTimeProvider : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Volatile.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
