// Proves truncation is exact (P7), over a memory store and a real file: bytes cut off read as
// zeros when the file grows again, in the cache and in the store after Flush (T2), whether the
// data was dirty, flushed, or flushed and dropped; a pinned page is never freed under its lease
// (T3); a write to a range another handle cut extends the file with zeros in between (T5); and
// dirty data past the new end is discarded, not written. Each case compares with computed bytes.

using Quire.Frames;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Paging;

public sealed class TruncationTests
{
    private const int PageSize = QuietCaches.PageSize;

    public enum Stage
    {
        Dirty,
        Flushed,
        FlushedAndDropped,
    }

    public static TheoryData<CacheBacking, Stage, int> ShrinkCases()
    {
        var data = new TheoryData<CacheBacking, Stage, int>();
        foreach (CacheBacking backing in Enum.GetValues<CacheBacking>())
        {
            foreach (Stage stage in Enum.GetValues<Stage>())
            {
                foreach (int newSize in new[] { 0, 100, 1536, PageSize, PageSize + 700 })
                {
                    data.Add(backing, stage, newSize);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ShrinkCases))]
    public void ShrinkThenExtendReadsZerosInTheCacheAndInTheStore(CacheBacking backing, Stage stage, int newSize)
    {
        byte[] data = BytePatterns.Create(3 * PageSize, newSize);
        using var target = CacheTarget.Open(backing);
        target.File.Write(0, data);
        if (stage != Stage.Dirty)
        {
            target.File.Flush();
        }

        if (stage == Stage.FlushedAndDropped)
        {
            target.File.Advise(0, data.Length, FileAdvice.DontNeed);
            Assert.Equal(0, target.File.FileObject.Index.Count);
        }

        target.File.SetLength(newSize);
        Assert.Equal(newSize, target.File.Length);
        Assert.Equal(data[..newSize], target.ReadAll());

        target.File.SetLength(data.Length);
        byte[] expected = new byte[data.Length];
        data.AsSpan(0, newSize).CopyTo(expected);
        Assert.Equal(expected, target.ReadAll());

        target.File.Flush();
        Assert.Equal(expected, target.StoredBytes());
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void ShrinkDiscardsDirtyDataPastTheEndInsteadOfWritingIt(CacheBacking backing)
    {
        using var target = CacheTarget.Open(backing);
        target.File.Write(0, BytePatterns.Create(4 * PageSize, 1));
        Assert.Equal(4, target.Cache.GetStatistics().DirtyPages);

        target.File.SetLength(PageSize);
        Assert.Equal(1, target.Cache.GetStatistics().DirtyPages);
        Assert.Equal(1, target.File.FileObject.Index.Count);
        target.File.Flush();

        PageCacheStatistics statistics = target.Cache.GetStatistics();
        Assert.Equal((1L, (long)PageSize), (statistics.PagesWritten, statistics.BytesWritten));
        Assert.Equal(BytePatterns.Create(4 * PageSize, 1)[..PageSize], target.StoredBytes());
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void ExtendingReadsZerosAndTheNewSizeReachesTheStore(CacheBacking backing)
    {
        using var target = CacheTarget.Open(backing, initialContent: BytePatterns.Create(10, 2));

        target.File.SetLength((2 * PageSize) + 5);

        Assert.Equal((2 * PageSize) + 5, target.File.Length);
        byte[] expected = new byte[(2 * PageSize) + 5];
        BytePatterns.Create(10, 2).CopyTo(expected, 0);
        Assert.Equal(expected, target.ReadAll());
        target.File.Flush();
        Assert.Equal(expected, target.StoredBytes());
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void ExtendingBeyondWhatTheStoreCanHoldFailsAndChangesNothing(CacheBacking backing)
    {
        byte[] content = BytePatterns.Create(5000, 10);
        using var target = CacheTarget.Open(backing, initialContent: content);

        Assert.Throws<BackingStoreException>(() => target.File.SetLength(long.MaxValue));

        Assert.Equal(5000, target.File.Length);
        Assert.Equal(content, target.ReadAll());
        target.File.Write(5000, [1]);
        target.File.Flush();
        Assert.Equal([.. content, 1], target.StoredBytes());
    }

    [Fact]
    public void SettingTheSameSizeChangesNothing()
    {
        byte[] content = BytePatterns.Create(5000, 3);
        using var target = CacheTarget.Open(CacheBacking.Memory, initialContent: content);
        target.ReadAll();

        target.File.SetLength(5000);

        Assert.Equal(content, target.ReadAll());
        Assert.Equal(2, target.File.FileObject.Index.Count);
        Assert.Equal(0, target.Cache.GetStatistics().DirtyPages);
    }

    [Fact]
    public void TruncatingAwayAPinnedPageKeepsItsFrameUntilTheLeaseEnds()
    {
        // T3: the lease's frame leaves the file at once but is freed only by the last release.
        byte[] content = BytePatterns.Create(3 * PageSize, 4);
        using var target = CacheTarget.Open(CacheBacking.Memory, QuietCaches.Options(frameCount: 16), content);
        CachedFile file = target.File;
        int freeBefore;
        using (PageLease lease = file.Pin((2 * PageSize) + 10, 100))
        {
            int frame = file.FileObject.Index.Lookup(2);
            freeBefore = target.Cache.GetStatistics().FreeFrames;

            file.SetLength(PageSize);

            Assert.Equal(PageSize, file.Length);
            Assert.Equal(-1, file.FileObject.Index.Lookup(2));
            Assert.NotEqual(0, target.Cache.Pool.Metadata(frame).State & PageState.Doomed);
            Assert.Equal(content.AsSpan((2 * PageSize) + 10, 100).ToArray(), lease.Span.ToArray());
            Assert.Equal(0, file.Read(2 * PageSize, new byte[10]));
            Assert.Equal(1, target.Cache.GetStatistics().PinnedFrames);

            file.SetLength(3 * PageSize);
            var page = new byte[PageSize];
            Assert.Equal(PageSize, file.Read(2 * PageSize, page));
            Assert.True(BytePatterns.AllZero(page));
            Assert.Equal(content.AsSpan((2 * PageSize) + 10, 100).ToArray(), lease.Span.ToArray());
        }

        PageCacheStatistics after = target.Cache.GetStatistics();
        Assert.Equal(0, after.PinnedFrames);
        Assert.Equal(after.FrameCount, after.FreeFrames + after.ActiveFrames + after.InactiveFrames);
        Assert.True(after.FreeFrames >= freeBefore, "the doomed frame went back to the free queue");
    }

    [Fact]
    public void TruncatingIntoAPinnedPageNeverResurrectsTheCutBytes()
    {
        // T3 with the new end inside the pinned page: SetLength cannot zero the page's tail while
        // a lease holds it, and this thread holds the lease, so it waits and fails with nothing
        // changed. Once the lease is gone it succeeds, and the bytes past the new end read as
        // zeros when the file grows.
        byte[] content = BytePatterns.Create(2 * PageSize, 5);
        using var target = CacheTarget.Open(CacheBacking.Memory, QuietCaches.Options(maxPageWait: TimeSpan.FromMilliseconds(200)), content);
        CachedFile file = target.File;
        Exception? error;
        using (PageLease lease = file.Pin(0, 50))
        {
            error = Record.Exception(() => file.SetLength(100));
            Assert.Equal(content[..50], lease.Span.ToArray());
        }

        Assert.True(error is TimeoutException, $"SetLength into a page this thread pins did not time out: {error}");
        Assert.Equal(content.Length, file.Length);
        Assert.Equal(content, target.ReadAll());

        file.SetLength(100);
        Assert.Equal(100, file.Length);
        file.SetLength(2 * PageSize);
        byte[] expected = new byte[2 * PageSize];
        content.AsSpan(0, 100).CopyTo(expected);
        Assert.Equal(expected, target.ReadAll());
        file.Flush();
        Assert.Equal(expected, target.StoredBytes());
    }

    [Fact]
    public void WriteLeaseOnAPageTruncatedAwayLeavesNoData()
    {
        using var target = CacheTarget.Open(CacheBacking.Memory, initialContent: BytePatterns.Create(3 * PageSize, 6));
        CachedFile file = target.File;
        CachedFile other = target.OpenHandle();

        using (WritablePageLease lease = file.PinForWrite((2 * PageSize) + 8, 8))
        {
            other.SetLength(PageSize);
            lease.Span.Fill(0xAB);
        }

        Assert.Equal(PageSize, file.Length);
        Assert.Equal(0, target.Cache.GetStatistics().DirtyPages);
        other.SetLength(3 * PageSize);
        byte[] all = target.ReadAll();
        Assert.True(BytePatterns.AllZero(all.AsSpan(PageSize)));
        file.Flush();
        Assert.True(BytePatterns.AllZero(target.StoredBytes().AsSpan(PageSize)));
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void WriteToARangeAnotherHandleCutExtendsTheFileWithZerosInBetween(CacheBacking backing)
    {
        // T5: no stale page from before the cut may show through.
        byte[] data = BytePatterns.Create(3 * PageSize, 7);
        byte[] late = BytePatterns.Create(20, 8);
        using var target = CacheTarget.Open(backing);
        CachedFile writer = target.File;
        CachedFile cutter = target.OpenHandle();
        writer.Write(0, data);
        writer.Flush();

        cutter.SetLength(100);
        writer.Write((2 * PageSize) + 10, late);

        byte[] expected = new byte[(2 * PageSize) + 30];
        data.AsSpan(0, 100).CopyTo(expected);
        late.CopyTo(expected, (2 * PageSize) + 10);
        Assert.Equal(expected.Length, cutter.Length);
        Assert.Equal(expected, target.ReadAll());
        writer.Flush();
        Assert.Equal(expected, target.StoredBytes());
    }

    [Fact]
    public void TruncateToZeroEmptiesTheFileAndItsPages()
    {
        using var target = CacheTarget.Open(CacheBacking.Memory, QuietCaches.Options(frameCount: 16));
        target.File.Write(0, BytePatterns.Create(5 * PageSize, 9));

        target.File.SetLength(0);

        Assert.Equal(0, target.File.Length);
        Assert.Equal(0, target.File.FileObject.Index.Count);
        PageCacheStatistics statistics = target.Cache.GetStatistics();
        Assert.Equal((16, 0), (statistics.FreeFrames, statistics.DirtyPages));
        target.File.Flush();
        Assert.Empty(target.StoredBytes());
    }
}
