// Proves frame allocation: demand allocations take every frame, the reserve included, and then
// fail with PageCacheExhaustedException after MaxFrameWait; speculation leaves the reserve
// alone; freeing a frame that holds data not yet durable is refused by the always-on check.
// Through the public API: with every frame pinned a read or write fails after the wait having
// applied nothing (M1) and succeeds once a lease is released, and dirty pages are laundered
// (written back) to make room in a tiny pool.

using Quire.Files;
using Quire.Frames;
using Quire.Internal;
using Quire.Metrics;
using Quire.Paging;
using Quire.Queues;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Paging;

public sealed class PageAllocatorTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void DemandTakesEveryFrameThenFailsAfterTheWait()
    {
        using var pool = new FramePool(8, PageSize);
        PageAllocator allocator = NewAllocator(pool, out _);

        var frames = new HashSet<int>();
        for (int i = 0; i < 8; i++)
        {
            Assert.True(frames.Add(allocator.AllocateForDemand()));
        }

        var error = Assert.Throws<PageCacheExhaustedException>(() => allocator.AllocateForDemand());
        Assert.Equal((8, 8, 0), (error.FrameCount, error.PinnedFrameCount, error.DirtyFrameCount));
        Assert.All(frames, frame => Assert.InRange(frame, 0, 7));
    }

    [Fact]
    public void SpeculationLeavesTheReserveToDemand()
    {
        using var pool = new FramePool(8, PageSize);
        PageAllocator allocator = NewAllocator(pool, out _); // a reserve of 4 frames

        for (int i = 0; i < 4; i++)
        {
            Assert.True(allocator.TryAllocateForSpeculation() >= 0);
        }

        Assert.Equal(-1, allocator.TryAllocateForSpeculation());
        for (int i = 0; i < 4; i++)
        {
            Assert.True(allocator.AllocateForDemand() >= 0);
        }
    }

    [Fact]
    public void FreedFrameIsHandedOutAgainClean()
    {
        using var pool = new FramePool(8, PageSize);
        PageAllocator allocator = NewAllocator(pool, out _);
        var frames = new List<int>();
        for (int i = 0; i < 8; i++)
        {
            frames.Add(allocator.AllocateForDemand());
        }

        ref FrameMetadata metadata = ref pool.Metadata(frames[3]);
        metadata.FileId = 4;
        metadata.PageNumber = 9;
        metadata.ValidSectors = UInt128.MaxValue;
        allocator.Free(frames[3]);

        int again = allocator.AllocateForDemand();
        Assert.Equal(frames[3], again);
        Assert.Equal(FrameMetadata.FreeFileId, pool.Metadata(again).FileId);
        Assert.Equal(UInt128.Zero, pool.Metadata(again).ValidSectors);
        Assert.NotEqual(0, pool.Metadata(again).State & PageState.Exclusive);
    }

    [Theory]
    [InlineData(PageState.Dirty)]
    [InlineData(PageState.Unsynced)]
    [InlineData(PageState.Writeback)]
    [InlineData(1)]
    public void FreeingAFrameThatIsInUseOrNotDurableIsRefusedAndLatches(int bit)
    {
        using var pool = new FramePool(8, PageSize);
        PageAllocator allocator = NewAllocator(pool, out Verify verify);
        int frame = allocator.AllocateForDemand();
        PageState.SetBits(ref pool.Metadata(frame).State, bit);

        Assert.Throws<PageCacheInvariantException>(() => allocator.Free(frame));

        Assert.NotNull(verify.Failure);
        Assert.Throws<PageCacheInvariantException>(verify.ThrowIfLatched);
    }

    [Fact]
    public void WithEveryFramePinnedReadsAndWritesFailAfterTheWaitAndApplyNothing()
    {
        const int frameCount = 16;
        byte[] content = BytePatterns.Create(frameCount * PageSize, 1);
        var store = new MemoryBackingStore("pinned", content);
        using var cache = QuietCaches.Create(frameCount, maxFrameWait: TimeSpan.FromMilliseconds(100));
        using CachedFile file = cache.Open(store);
        byte[] data = BytePatterns.Create(PageSize, 2);

        PinThen(file, frameCount, () =>
        {
            Assert.Equal(frameCount, cache.GetStatistics().PinnedFrames);
            var exhausted = Assert.Throws<PageCacheExhaustedException>(() => file.Write(20 * PageSize, data));
            Assert.Equal((frameCount, frameCount), (exhausted.FrameCount, exhausted.PinnedFrameCount));

            Assert.Equal(content.Length, file.Length);
            Assert.Equal(0, cache.GetStatistics().DirtyPages);
            Assert.Equal(frameCount, file.FileObject.Index.Count);
        });

        Assert.Equal(0, store.WriteCount);
        file.Write(20 * PageSize, data);
        Assert.Equal((21 * PageSize), file.Length);
        var back = new byte[PageSize];
        file.Read(20 * PageSize, back);
        Assert.Equal(data, back);
    }

    [Fact]
    public void WithEveryFramePinnedAReadOfAnotherPageFailsAfterTheWaitThenSucceeds()
    {
        const int frameCount = 16;
        byte[] content = BytePatterns.Create(2 * frameCount * PageSize, 3);
        using var cache = QuietCaches.Create(frameCount, maxFrameWait: TimeSpan.FromMilliseconds(100));
        using CachedFile file = cache.Open(new MemoryBackingStore("read", content));
        var back = new byte[PageSize];

        PinThen(file, frameCount, () =>
            Assert.Throws<PageCacheExhaustedException>(() => file.Read(25 * PageSize, back)));

        Assert.Equal(PageSize, file.Read(25 * PageSize, back));
        Assert.Equal(content.AsSpan(25 * PageSize, PageSize).ToArray(), back);
    }

    [Fact]
    public void DirtyPagesAreWrittenBackToMakeRoomInATinyPool()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create(frameCount: 16);
        using CachedFile file = cache.Open(store);
        byte[] data = BytePatterns.Create(64 * PageSize, 4);

        file.Write(0, data);

        Assert.True(store.WriteCount > 0, "reclaim wrote dirty pages back before any flush");
        Assert.True(cache.GetStatistics().DirtyPages <= 16);
        var back = new byte[data.Length];
        file.Read(0, back);
        Assert.Equal(data, back);
        file.Flush();
        Assert.Equal(data, store.ToArray());
    }

    private static PageAllocator NewAllocator(FramePool pool, out Verify verify)
    {
        var options = new PageCacheOptions { MemoryLimitBytes = (long)pool.FrameCount * PageSize, MaxFrameWait = TimeSpan.FromMilliseconds(50) };
        verify = new Verify();
        return new PageAllocator(pool, new PageQueues(pool), new FileTable(), new PageWaitTable(pool), new CacheCounters(), verify, new CacheLimits(options), new Canaries(options));
    }

    /// <summary>Pins pages 0..<paramref name="pinnedPages"/>-1 of the file, runs <paramref name="action"/>, then unpins.</summary>
    private static void PinThen(CachedFile file, int pinnedPages, Action action, int page = 0)
    {
        if (page == pinnedPages)
        {
            action();
            return;
        }

        using PageLease lease = file.Pin((long)page * PageSize, 1);
        PinThen(file, pinnedPages, action, page + 1);
    }
}
