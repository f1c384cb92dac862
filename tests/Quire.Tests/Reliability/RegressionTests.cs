// Regression tests for bugs the reliability suites found, each reduced to the fewest calls that
// show it. Every test names the seed or sweep case that found it.

using Quire.Testing;

namespace Quire.Tests.Reliability;

public sealed class RegressionTests
{
    private const int PageSize = 4096;

    /// <summary>
    /// Found by the seeded simulation (seed 26 of the default range, before the fix): a write that
    /// failed after storing part of its bytes had lengthened the store without the cache knowing,
    /// so a later truncate whose store cut failed left no cut pending, and a flush then returned
    /// success with the stale bytes past the new end durable (P2, P7).
    /// </summary>
    [Fact]
    public void AShortWritePastTheStoreEndIsCutOffByALaterTruncateEvenIfItsFirstCutFails()
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 16 * PageSize, StartPageWriter = false });
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        using CachedFile file = cache.Open(store);
        file.Write(0, new byte[2 * PageSize]);
        file.Flush();

        file.Write(2 * PageSize, Enumerable.Repeat((byte)7, PageSize).ToArray());
        store.AddRule(new FaultRule { Operations = StoreOperations.Write, NthCall = 1, Effect = FaultEffect.ShortWrite, ShortWriteBytes = PageSize });
        Assert.Throws<WritebackFailedException>(file.Flush); // 4095 bytes landed past the store's old end
        store.AddRule(FaultRule.FailNth(StoreOperations.SetLength, 1));
        Assert.Throws<BackingStoreException>(() => file.SetLength(10_000));
        store.Heal();

        Assert.Equal(10_000, file.Length);
        file.Flush();
        Assert.Equal(10_000, disk.DurableContent.Length);
    }
}
