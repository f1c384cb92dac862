// Proves the cache round-trips bytes through a tiny pool: the first line of defence before the
// differential tests.

namespace Quire.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void WrittenBytesReadBackAndReachTheStoreOnFlush()
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 16 * 4096 });
        var store = new MemoryBackingStore();
        using (CachedFile file = cache.Open(store))
        {
            byte[] data = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
            file.Write(123, data);
            var back = new byte[data.Length];
            Assert.Equal(data.Length, file.Read(123, back));
            Assert.Equal(data, back);
            file.Flush();
        }

        Assert.Equal(100_123, store.ToArray().Length);
    }
}
