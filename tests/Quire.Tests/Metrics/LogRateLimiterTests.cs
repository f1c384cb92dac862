// Proves LogRateLimiter lets MaxMessages through per window, counts the rest, hands the count to
// the first message of a later window exactly once, and starts a window at the first message
// after a quiet time rather than on a fixed grid; driven by a manual clock.

using Quire.Metrics;
using Quire.Testing;

namespace Quire.Tests.Metrics;

public sealed class LogRateLimiterTests
{
    [Fact]
    public void LetsMaxMessagesThroughPerWindowAndCountsTheRest()
    {
        var time = new ManualTimeProvider();
        var limiter = new LogRateLimiter(time, maxMessages: 3, TimeSpan.FromSeconds(1));

        bool[] admitted = [.. Enumerable.Range(0, 5).Select(_ => limiter.TryAcquire(out long suppressed) && suppressed == 0)];
        Assert.Equal([true, true, true, false, false], admitted);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire(out long reported));
        Assert.Equal(2, reported);
        Assert.True(limiter.TryAcquire(out reported));
        Assert.Equal(0, reported);
    }

    [Fact]
    public void TheWindowStartsAtTheFirstMessageAfterAQuietTime()
    {
        var time = new ManualTimeProvider();
        var limiter = new LogRateLimiter(time, maxMessages: 1, TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(95));

        Assert.True(limiter.TryAcquire(out _));
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(limiter.TryAcquire(out _));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire(out long suppressed));
        Assert.Equal(1, suppressed);
    }
}
