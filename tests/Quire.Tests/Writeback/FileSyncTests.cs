// Proves a flush ends with the store's durable flush and leaves nothing unsynced: a flush calls
// the store's Flush once when anything reached the store since its last successful one (a write,
// a length change, a failed sync, or the open itself) and not otherwise; written pages stop
// counting as unsynced, and the durable-flush counter counts them.

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
    public async Task TheFirstFlushAfterOpenSyncsAndAFlushWithNothingChangedSinceDoesNot()
    {
        var store = new MemoryBackingStore("idle", BytePatterns.Create(100, 2));
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);

        file.Flush(); // the file may hold writes no sync covered before it was opened
        file.Flush();
        await file.FlushAsync();
        _ = file.Read(0, new byte[10]);
        file.Flush();

        Assert.Equal(1, store.FlushCount);
        Assert.Equal(0, store.WriteCount);
        Assert.Equal(1, cache.GetStatistics().DurableFlushes);
    }

    [Fact]
    public void EveryChangeThatReachesTheStoreMakesTheNextFlushSync()
    {
        var store = new MemoryBackingStore("f", BytePatterns.Create(PageSize, 3));
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Flush();

        file.SetLength(3 * PageSize); // a length change alone
        file.Flush();
        Assert.Equal(2, store.FlushCount);

        file.Write(10, [1, 2, 3]); // a write
        file.Flush();
        Assert.Equal(3, store.FlushCount);

        file.Write(PageSize + 10, [4]); // written back by someone else, then flushed
        file.StartWriteback(0, long.MaxValue);
        cache.PageWriter.RunOnePass();
        file.Flush();
        Assert.Equal(4, store.FlushCount);

        file.SetLength(PageSize); // a truncation
        file.Flush();
        file.Flush();
        Assert.Equal(5, store.FlushCount);
        Assert.Equal(PageSize, store.GetLength());
    }

    [Fact]
    public void AFailedSyncMakesTheNextFlushSyncAgainEvenWithNoPageLeftToWrite()
    {
        var store = new FaultInjectingBackingStore(new MemoryBackingStore());
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.SetLength(2 * PageSize);
        var rule = FaultRule.FailNth(StoreOperations.Flush, 1);
        store.AddRule(rule);

        Assert.Throws<WritebackFailedException>(file.Flush);
        file.Flush();
        file.Flush();

        Assert.Equal(2, store.CallCount(StoreOperations.Flush));
        Assert.Equal(1, store.FiredCount(StoreOperations.Flush));
    }

    [Fact]
    public async Task FlushAsyncCompletesSynchronouslyWhenNothingIsToBeMadeDurableAndReportsAnUnseenError()
    {
        var store = new FaultInjectingBackingStore(new MemoryBackingStore());
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        using CachedFile other = cache.Open(store);
        file.Write(0, [1, 2, 3]);
        await file.FlushAsync();

        Assert.True(CompletedSuccessfully(file.FlushAsync()), "A flush with nothing to make durable completes at once.");

        store.AddRule(FaultRule.FailNth(StoreOperations.Write, 1));
        file.Write(0, [4]);
        await Assert.ThrowsAsync<WritebackFailedException>(() => file.FlushAsync().AsTask());
        await file.FlushAsync(); // retried and written: the epoch ends
        Task unseen = other.FlushAsync().AsTask();
        Assert.True(unseen.IsCompleted, "Nothing is left to write: the other handle's flush completes at once.");
        Assert.True(unseen.IsFaulted, "It reports the failure that handle has not seen.");
        await Assert.ThrowsAsync<WritebackFailedException>(() => unseen);
        Assert.True(CompletedSuccessfully(other.FlushAsync()));
    }

    private static bool CompletedSuccessfully(ValueTask flush) => flush.IsCompletedSuccessfully;

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
