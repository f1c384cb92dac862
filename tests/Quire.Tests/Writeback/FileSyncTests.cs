// Proves a flush ends with the store's durable flush and leaves nothing unsynced: every Flush
// calls the store's Flush once, even with nothing dirty (the size is data too), written pages
// stop counting as unsynced, and the durable-flush counter counts them.

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
}
