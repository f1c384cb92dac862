// Proves the cache's gauges add and subtract exactly and its event counters start at zero,
// by driving a fresh CacheCounters directly.

using Quire.Metrics;

namespace Quire.Tests.Metrics;

public sealed class CacheCountersTests
{
    [Fact]
    public void GaugesAddAndSubtract()
    {
        var counters = new CacheCounters();

        counters.AddDirtyPages(3);
        counters.AddDirtyPages(-1);
        counters.AddWritebackPages(2);
        counters.AddUnsyncedPages(5);
        counters.AddUnsyncedPages(-5);

        Assert.Equal((2, 2, 0), (counters.DirtyPages, counters.WritebackPages, counters.UnsyncedPages));
    }

    [Fact]
    public void EventCountersAreIndependent()
    {
        var counters = new CacheCounters();

        counters.Hits.Increment();
        counters.Misses.Add(2);
        counters.Evictions.Add(3);

        Assert.Equal(1, counters.Hits.Value);
        Assert.Equal(2, counters.Misses.Value);
        Assert.Equal(3, counters.Evictions.Value);
        Assert.Equal(0, counters.PagesRead.Value);
        Assert.Equal(0, counters.WriteFailures.Value);
    }
}
