// Proves the cache's event counters start at zero and count independently, by driving a fresh
// CacheCounters directly (the writeback counts are WritebackCountsTests').

using Quire.Metrics;

namespace Quire.Tests.Metrics;

public sealed class CacheCountersTests
{
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
