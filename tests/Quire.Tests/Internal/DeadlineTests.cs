// Proves a deadline of zero has expired at once, a distant one has not, and an infinite one
// never expires and reports the largest wait Monitor.Wait accepts; no durations are asserted.

using Quire.Internal;

namespace Quire.Tests.Internal;

public sealed class DeadlineTests
{
    [Fact]
    public void ZeroTimeoutHasExpiredAtOnce()
    {
        Deadline deadline = Deadline.After(TimeSpan.Zero);

        Assert.True(deadline.HasExpired);
        Assert.Equal(0, deadline.RemainingMilliseconds);
    }

    [Fact]
    public void DistantDeadlineHasNotExpired()
    {
        Deadline deadline = Deadline.After(TimeSpan.FromHours(1));

        Assert.False(deadline.HasExpired);
        Assert.InRange(deadline.RemainingMilliseconds, 1, 3_600_000);
    }

    [Fact]
    public void InfiniteTimeoutNeverExpires()
    {
        Deadline deadline = Deadline.After(Timeout.InfiniteTimeSpan);

        Assert.False(deadline.HasExpired);
        Assert.Equal(int.MaxValue, deadline.RemainingMilliseconds);
    }
}
