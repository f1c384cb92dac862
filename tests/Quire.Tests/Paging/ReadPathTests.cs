// Proves the read path's clustering and read-ahead through the public API: a sequential reader
// gets a doubling window (counted in store reads), Random advice and a zero window read only what
// is asked, Sequential advice reads the largest window, windows stop at end of file, and
// WillNeed fills the cache in the background (polled with a bounded wait, then read as hits).

using Quire.Tests.Infrastructure;

namespace Quire.Tests.Paging;

public sealed class ReadPathTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void SequentialReaderGetsADoublingWindow()
    {
        byte[] content = BytePatterns.Create(64 * PageSize, 1);
        var store = new MemoryBackingStore("seq", content);
        using var cache = QuietCaches.Create(frameCount: 128);
        using CachedFile file = cache.Open(store);
        var page = new byte[PageSize];

        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(PageSize, file.Read((long)i * PageSize, page));
            Assert.Equal(content.AsSpan(i * PageSize, PageSize).ToArray(), page);
        }

        // Only page 0 misses: it reads a window of 4 pages; reaching the first page of each window
        // reads the next in the background, doubling: 8, 16, 32, then the last 3 pages of the file.
        PageCacheStatistics statistics = cache.GetStatistics();
        Assert.Equal(5, store.ReadCount);
        Assert.Equal((1L, 63L, 64L, 63L), (statistics.Misses, statistics.Hits, statistics.PagesRead, statistics.ReadAheadPages));
    }

    [Fact]
    public void RandomAdviceReadsOnlyTheRequestedPages()
    {
        var store = new MemoryBackingStore("random", BytePatterns.Create(32 * PageSize, 2));
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Advise(0, 0, FileAdvice.Random);

        for (int i = 0; i < 8; i++)
        {
            file.Read((long)i * PageSize, new byte[PageSize]);
        }

        PageCacheStatistics statistics = cache.GetStatistics();
        Assert.Equal(8, store.ReadCount);
        Assert.Equal((8L, 0L), (statistics.PagesRead, statistics.ReadAheadPages));
    }

    [Fact]
    public void ZeroReadAheadReadsOnlyTheRequestedPages()
    {
        var store = new MemoryBackingStore("off", BytePatterns.Create(32 * PageSize, 3));
        using var cache = QuietCaches.Create(maxReadAheadBytes: 0);
        using CachedFile file = cache.Open(store);

        file.Read(0, new byte[PageSize]);
        file.Read(PageSize, new byte[PageSize]);

        Assert.Equal(2, cache.GetStatistics().PagesRead);
    }

    [Fact]
    public void SequentialAdviceReadsTheLargestWindowFromTheFirstMiss()
    {
        var store = new MemoryBackingStore("advised", BytePatterns.Create(64 * PageSize, 4));
        using var cache = QuietCaches.Create(frameCount: 128, maxReadAheadBytes: 16 * PageSize); // a window may take a quarter of the pool
        using CachedFile file = cache.Open(store);
        file.Advise(0, 0, FileAdvice.Sequential);

        file.Read(10 * PageSize, new byte[100]);

        Assert.Equal((17L, 16L), (cache.GetStatistics().PagesRead, cache.GetStatistics().ReadAheadPages));
    }

    [Fact]
    public void ReadAheadStopsAtEndOfFile()
    {
        var store = new MemoryBackingStore("short", BytePatterns.Create((2 * PageSize) + 10, 5));
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Advise(0, 0, FileAdvice.Sequential);

        file.Read(0, new byte[10]);

        Assert.Equal(3, cache.GetStatistics().PagesRead);
        Assert.Equal(3, file.FileObject.Index.Count);
    }

    [Fact]
    public void ReadSpanningManyPagesAtOddOffsetsReturnsEveryByte()
    {
        byte[] content = BytePatterns.Create(20 * PageSize, 6);
        using var cache = QuietCaches.Create(frameCount: 16);
        using CachedFile file = cache.Open(new MemoryBackingStore("span", content));
        var back = new byte[(13 * PageSize) + 17];

        Assert.Equal(back.Length, file.Read(PageSize - 3, back));

        Assert.Equal(content.AsSpan(PageSize - 3, back.Length).ToArray(), back);
    }

    [Fact]
    public void WillNeedReadsTheRangeInTheBackgroundSoLaterReadsHit()
    {
        byte[] content = BytePatterns.Create(16 * PageSize, 7);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("prefetch", content));

        file.Advise(0, content.Length, FileAdvice.WillNeed);

        Assert.True(
            SpinWait.SpinUntil(() => cache.GetStatistics().ReadAheadPages >= 16, TimeSpan.FromSeconds(30)),
            "the prefetch finished");
        long missesBefore = cache.GetStatistics().Misses;
        var back = new byte[content.Length];
        file.Read(0, back);
        Assert.Equal(content, back);
        Assert.Equal(missesBefore, cache.GetStatistics().Misses);
        Assert.Equal(16, cache.GetStatistics().Hits);
    }

    [Fact]
    public void WillNeedPastEndOfFileReadsNothing()
    {
        var store = new MemoryBackingStore("nothing", BytePatterns.Create(PageSize, 8));
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);

        file.Advise(PageSize, 10 * PageSize, FileAdvice.WillNeed);
        file.Advise(0, 0, FileAdvice.WillNeed);

        Assert.Equal(0, store.ReadCount);
        Assert.Equal(0, file.FileObject.Index.Count);
    }

    [Fact]
    public void ReadAfterAWriteHitsWithoutTouchingTheStore()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(3 * PageSize, 9));

        var back = new byte[3 * PageSize];
        file.Read(0, back);

        Assert.Equal(BytePatterns.Create(3 * PageSize, 9), back);
        Assert.Equal(0, store.ReadCount);
        Assert.Equal((3L, 0L), (cache.GetStatistics().Hits, cache.GetStatistics().Misses));
    }
}
