// Proves TryRead copies only what is cached and never reads from the store or waits: a range of
// resident valid pages is copied (short at end of file) and counted as hits; a range with any page
// not cached, not valid in the sectors asked for, or held by a writer returns false and caches
// nothing; bad arguments and a disposed handle throw as Read does; and a hit allocates nothing.

using Quire.Testing;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Paging;

public sealed class TryReadTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void ARangeOfCachedPagesIsCopiedAndAMissReadsNothingAndCachesNothing()
    {
        byte[] content = BytePatterns.Create((4 * PageSize) + 100, 41);
        var store = new FaultInjectingBackingStore(new MemoryBackingStore("f", content));
        using var cache = QuietCaches.Create(maxReadAheadBytes: 0);
        using CachedFile file = cache.Open(store);
        file.Read(0, new byte[2 * PageSize]); // pages 0 and 1 cached
        long reads = store.CallCount(StoreOperations.Read);
        long hits = cache.GetStatistics().Hits;

        var buffer = new byte[PageSize];
        Assert.True(file.TryRead(PageSize - 5, buffer, out int read));
        Assert.Equal(buffer.Length, read);
        Assert.Equal(content.AsSpan(PageSize - 5, buffer.Length).ToArray(), buffer);
        Assert.Equal(hits + 2, cache.GetStatistics().Hits);

        Assert.False(file.TryRead(PageSize, new byte[2 * PageSize], out read)); // page 2 is not cached
        Assert.Equal(0, read);
        Assert.False(file.TryRead(4 * PageSize, new byte[10], out _));
        Assert.Equal(reads, store.CallCount(StoreOperations.Read));
        Assert.Equal(2, cache.GetStatistics().ActiveFrames + cache.GetStatistics().InactiveFrames);
    }

    [Fact]
    public void AtAndPastTheEndItCopiesWhatTheFileHas()
    {
        byte[] content = BytePatterns.Create(PageSize + 100, 42);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("f", content));
        file.Read(0, new byte[content.Length]);

        var buffer = new byte[500];
        Assert.True(file.TryRead(PageSize, buffer, out int read));
        Assert.Equal(100, read);
        Assert.Equal(content.AsSpan(PageSize, 100).ToArray(), buffer[..100]);
        Assert.True(file.TryRead(content.Length, buffer, out read));
        Assert.Equal(0, read);
        Assert.True(file.TryRead(1L << 40, buffer, out read));
        Assert.Equal(0, read);
    }

    [Fact]
    public void APageWrittenInPartIsCopiedOnlyWhereItIsValidAndNotWhileAWriterHoldsIt()
    {
        byte[] content = BytePatterns.Create(PageSize, 43);
        var store = new FaultInjectingBackingStore(new MemoryBackingStore("f", content));
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Write(0, new byte[512]); // one whole sector: the page is cached with one valid sector

        Assert.True(file.TryRead(0, new byte[512], out int read));
        Assert.Equal(512, read);
        Assert.False(file.TryRead(0, new byte[513], out _)); // the second sector is not valid yet
        Assert.Equal(0, store.CallCount(StoreOperations.Read));

        using (WritablePageLease lease = file.PinForWrite(0, 10))
        {
            Assert.False(file.TryRead(0, new byte[10], out _));
        }

        Assert.True(file.TryRead(0, new byte[10], out _));
    }

    [Fact]
    public void BadArgumentsAndADisposedHandleThrowAsReadDoes()
    {
        using var cache = QuietCaches.Create();
        CachedFile file = cache.Open(new MemoryBackingStore());

        Assert.Throws<ArgumentOutOfRangeException>(() => file.TryRead(-1, new byte[1], out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => file.TryRead(long.MaxValue, new byte[2], out _));
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.TryRead(0, new byte[1], out _));
    }

    [Fact]
    public void AHitAllocatesNothing()
    {
        using var cache = QuietCaches.Create(maxReadAheadBytes: 0);
        using CachedFile file = cache.Open(new MemoryBackingStore("f", BytePatterns.Create(4 * PageSize, 44)));
        var buffer = new byte[100];
        file.Read(0, new byte[4 * PageSize]);
        Assert.True(file.TryRead(0, buffer, out _));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            file.TryRead(i % 4 * PageSize, buffer, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
