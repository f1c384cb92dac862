// Proves a flush ends with the store's durable flush and leaves nothing unsynced: every Flush
// calls the store's Flush once, even with nothing dirty (the size is data too), written pages
// stop counting as unsynced, and the durable-flush counter counts them. The file's write
// bandwidth is the rate its data is made durable while data is waiting, not idle time.

using Quire.Testing;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Writeback;

public sealed class FileSyncTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void FlushEndsWithTheStoresDurableFlushAndLeavesNothingUnsynced()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(3 * PageSize, 1));

        file.Flush();

        PageCacheStatistics statistics = cache.GetStatistics();
        Assert.Equal(1, store.FlushCount);
        Assert.Equal((0, 0, 0), (statistics.DirtyPages, statistics.WritebackPages, statistics.UnsyncedPages));
        Assert.Equal(1, statistics.DurableFlushes);
    }

    [Fact]
    public void FlushWithNothingDirtyStillMakesTheFileDurable()
    {
        var store = new MemoryBackingStore("idle", BytePatterns.Create(100, 2));
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);

        file.Flush();
        file.Flush();

        Assert.Equal(2, store.FlushCount);
        Assert.Equal(0, store.WriteCount);
        Assert.Equal(2, cache.GetStatistics().DurableFlushes);
    }

    [Fact]
    public void SizeGrownWithoutWritesIsDurableAfterFlush()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);

        file.SetLength((5 * PageSize) + 3);
        file.Flush();

        Assert.Equal((5 * PageSize) + 3, store.GetLength());
        Assert.True(BytePatterns.AllZero(store.ToArray()));
    }

    [Fact]
    public void WrittenPagesBecomeEvictableAfterTheFlush()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create(frameCount: 16);
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(8 * PageSize, 3));
        file.Flush();
        int freeBefore = cache.GetStatistics().FreeFrames;

        file.Advise(0, 8 * PageSize, FileAdvice.DontNeed);

        Assert.Equal(freeBefore + 8, cache.GetStatistics().FreeFrames);
    }

    [Fact]
    public void TheWriteBandwidthIsTheRateDataIsMadeDurableWhileDataIsWaiting()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 64 * PageSize, TimeProvider = clock, StartPageWriter = false });
        using CachedFile file = cache.Open(new MemoryBackingStore());
        file.Write(0, BytePatterns.Create(30 * PageSize, 3));
        double initial = file.GetStatistics().WriteBandwidthBytesPerSecond;

        file.FlushRange(0, 10 * PageSize); // the first durable flush: no interval yet
        clock.Advance(TimeSpan.FromMilliseconds(10));
        file.FlushRange(10 * PageSize, 10 * PageSize); // 10 pages durable in 10 ms, data waiting all along
        double measured = file.GetStatistics().WriteBandwidthBytesPerSecond;
        file.Flush(); // at once, so no interval; nothing waits after it
        clock.Advance(TimeSpan.FromMilliseconds(500));
        file.Write(0, BytePatterns.Create(PageSize, 4));
        file.Flush(); // the 500 ms before it were idle, not a sample

        double sample = 10.0 * PageSize / 0.010;
        Assert.Equal((0.8 * initial) + (0.2 * sample), measured, 1e-6);
        Assert.Equal(measured, file.GetStatistics().WriteBandwidthBytesPerSecond, 1e-6);
    }
}
