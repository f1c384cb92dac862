// Proves DontNeed advice drops exactly the clean, unpinned pages of its range (their frames go
// back to the free queue and a later read fetches them again) while dirty data stays, readable
// and written by the next flush; counted with the cache's statistics and the store's read count.

using Quire.Tests.Infrastructure;

namespace Quire.Tests.Paging;

public sealed class EvictionTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void DontNeedDropsCleanPagesAndFreesTheirFrames()
    {
        byte[] content = BytePatterns.Create(10 * PageSize, 1);
        var store = new MemoryBackingStore("clean", content);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Advise(0, 0, FileAdvice.Random);
        var back = new byte[content.Length];
        file.Read(0, back);
        int freeBefore = cache.GetStatistics().FreeFrames;

        file.Advise(0, content.Length, FileAdvice.DontNeed);

        Assert.Equal(freeBefore + 10, cache.GetStatistics().FreeFrames);
        Assert.Equal(0, file.FileObject.Index.Count);
        long readsBefore = store.ReadCount;
        file.Read(0, back);
        Assert.Equal(content, back);
        Assert.True(store.ReadCount > readsBefore, "dropped pages are read again");
    }

    [Fact]
    public void DontNeedDropsOnlyItsRange()
    {
        byte[] content = BytePatterns.Create(10 * PageSize, 2);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("range", content));
        file.Advise(0, 0, FileAdvice.Random);
        file.Read(0, new byte[content.Length]);

        file.Advise((2 * PageSize) + 1, PageSize, FileAdvice.DontNeed); // touches pages 2 and 3

        Assert.Equal(8, file.FileObject.Index.Count);
        Assert.Equal(-1, file.FileObject.Index.Lookup(2));
        Assert.Equal(-1, file.FileObject.Index.Lookup(3));
        Assert.True(file.FileObject.Index.Lookup(4) >= 0);
    }

    [Fact]
    public void DontNeedKeepsDirtyDataReadableAndFlushable()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        byte[] data = BytePatterns.Create(4 * PageSize, 3);
        file.Write(0, data);
        int freeBefore = cache.GetStatistics().FreeFrames;

        file.Advise(0, data.Length, FileAdvice.DontNeed);

        Assert.Equal(freeBefore, cache.GetStatistics().FreeFrames);
        Assert.Equal(4, cache.GetStatistics().DirtyPages);
        var back = new byte[data.Length];
        file.Read(0, back);
        Assert.Equal(data, back);
        file.Flush();
        Assert.Equal(data, store.ToArray());
    }

    [Fact]
    public void DontNeedSkipsPinnedPages()
    {
        byte[] content = BytePatterns.Create(3 * PageSize, 4);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("pinned", content));
        file.Read(0, new byte[content.Length]);

        using PageLease lease = file.Pin(PageSize, 10);
        file.Advise(0, content.Length, FileAdvice.DontNeed);

        Assert.Equal(1, file.FileObject.Index.Count);
        Assert.True(file.FileObject.Index.Lookup(1) >= 0);
        Assert.Equal(content.AsSpan(PageSize, 10).ToArray(), lease.Span.ToArray());
    }

    [Fact]
    public void DontNeedOfAnEmptyRangeDropsNothing()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("empty", BytePatterns.Create(PageSize, 5)));
        file.Read(0, new byte[PageSize]);

        file.Advise(0, 0, FileAdvice.DontNeed);
        file.Advise(10 * PageSize, PageSize, FileAdvice.DontNeed);

        Assert.Equal(1, file.FileObject.Index.Count);
    }
}
