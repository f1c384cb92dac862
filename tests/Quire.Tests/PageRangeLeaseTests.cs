// Proves the storable lease (PageRangeLease): its spans show a real file's bytes page by page and,
// where its frames are adjacent, as one span; its pages stay resident while reads churn a tiny
// pool; misuse (double release, use after release, reading outside the range, repinning through
// another handle or cache) throws in every build; leases never hold more than a quarter of the
// pool; disposing the handle releases a forgotten lease; a truncate treats a leased page as it
// treats a PageLease's; and a repin of a hit allocates nothing. Each case compares bytes with the
// file's or checks the pool's pin counts.

using Quire.Frames;
using Quire.Tests.Infrastructure;

namespace Quire.Tests;

public sealed class PageRangeLeaseTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void LeasedRangesShowThePlainFilesBytesPageByPageAndAsOneSpanWhereContiguous()
    {
        using var directory = new TempDirectory();
        string path = directory.File("plain.bin");
        byte[] content = BytePatterns.Create((20 * PageSize) + 123, 1);
        File.WriteAllBytes(path, content);
        using var cache = QuietCaches.Create(frameCount: 64);
        using CachedFile file = cache.Open(path, FileMode.Open, FileAccess.Read);
        var random = new Random(14);

        for (int i = 0; i < 200; i++)
        {
            int byteCount = 1 + random.Next(4 * PageSize);
            long fileOffset = random.NextInt64(content.Length - byteCount + 1);
            using PageRangeLease lease = file.PinRange(fileOffset, byteCount);

            byte[] expected = content.AsSpan((int)fileOffset, byteCount).ToArray();
            var gathered = new List<byte>();
            for (int page = 0; page < lease.PageCount; page++)
            {
                gathered.AddRange(lease.GetPageSpan(page).ToArray());
            }

            Assert.Equal(expected, gathered.ToArray());
            Assert.Equal((int)(((fileOffset + byteCount - 1) / PageSize) - (fileOffset / PageSize) + 1), lease.PageCount);
            if (lease.IsContiguous)
            {
                Assert.Equal(expected, lease.Span.ToArray());
            }
            else
            {
                Assert.Throws<InvalidOperationException>(() => lease.Span.Length);
            }

            int inside = random.Next(byteCount);
            int length = Math.Min(8, byteCount - inside);
            bool onePage = (fileOffset + inside) / PageSize == (fileOffset + inside + length - 1) / PageSize;
            if (onePage || lease.IsContiguous)
            {
                Assert.Equal(expected.AsSpan(inside, length).ToArray(), lease.GetSpan(fileOffset + inside, length).ToArray());
            }
        }

        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void AOnePageLeaseIsAlwaysContiguousAndSeesUnflushedWrites()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore());
        file.Write(0, BytePatterns.Create(3 * PageSize, 2));

        using PageRangeLease lease = file.PinRange(PageSize + 10, 100);

        Assert.True(lease.IsContiguous);
        Assert.Equal(1, lease.PageCount);
        Assert.Equal(BytePatterns.Create(3 * PageSize, 2).AsSpan(PageSize + 10, 100).ToArray(), lease.Span.ToArray());
    }

    [Fact]
    public void LeasedPagesStayResidentAndUnchangedWhileReadsChurnATinyPool()
    {
        byte[] content = BytePatterns.Create(64 * PageSize, 3);
        using var cache = QuietCaches.Create(frameCount: 16);
        using CachedFile file = cache.Open(new MemoryBackingStore("churn", content));
        using PageRangeLease lease = file.PinRange(PageSize / 2, 2 * PageSize); // pages 0, 1 and 2
        int[] frames = [.. Enumerable.Range(0, 3).Select(page => file.FileObject.Index.Lookup(page))];
        var buffer = new byte[PageSize];

        for (int round = 0; round < 3; round++)
        {
            for (int page = 3; page < 64; page++)
            {
                file.Read((long)page * PageSize, buffer);
            }
        }

        Assert.True(cache.GetStatistics().Evictions > 16);
        Assert.Equal(frames, Enumerable.Range(0, 3).Select(page => file.FileObject.Index.Lookup(page)).ToArray());
        Assert.Equal(3, cache.GetStatistics().PinnedFrames);
        for (int page = 0; page < 3; page++)
        {
            long pageStart = Math.Max(PageSize / 2, (long)page * PageSize);
            long pageEnd = Math.Min((PageSize / 2) + (2 * PageSize), (long)(page + 1) * PageSize);
            Assert.Equal(content.AsSpan((int)pageStart, (int)(pageEnd - pageStart)).ToArray(), lease.GetPageSpan(page).ToArray());
        }
    }

    [Fact]
    public void ReleasingTwiceThrowsAndReleasesThePagesOnce()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("twice", BytePatterns.Create(2 * PageSize, 4)));
        PageRangeLease lease = file.PinRange(0, 2 * PageSize);
        using PageRangeLease other = file.PinRange(0, 10);

        lease.Release();
        var error = Assert.Throws<InvalidOperationException>(lease.Release);
        lease.Dispose();

        Assert.Contains("released twice", error.Message, StringComparison.Ordinal);
        Assert.False(lease.IsHeld);
        Assert.Equal(1, StateOf(file, 0) & PageState.SharedMask);
        Assert.Equal(0, StateOf(file, 1) & PageState.SharedMask);
        Assert.Equal(1, cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void AReleasedLeaseRefusesToBeRead()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("after", BytePatterns.Create(2 * PageSize, 5)));
        PageRangeLease lease = file.PinRange(0, 2 * PageSize);
        lease.Dispose();

        Assert.Throws<ObjectDisposedException>(() => lease.GetPageSpan(0).Length);
        Assert.Throws<ObjectDisposedException>(() => lease.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => lease.GetSpan(0, 1).Length);
        Assert.Throws<ObjectDisposedException>(() => lease.IsContiguous);
        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void ReadingOutsideTheRangeThrows()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("outside", BytePatterns.Create(4 * PageSize, 6)));
        using PageRangeLease lease = file.PinRange(PageSize + 100, PageSize);

        Assert.Throws<ArgumentOutOfRangeException>(() => lease.GetPageSpan(2).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => lease.GetPageSpan(-1).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => lease.GetSpan(PageSize + 99, 2).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => lease.GetSpan((2 * PageSize) + 99, 2).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => lease.GetSpan(PageSize + 100, -1).Length);
        Assert.Equal(BytePatterns.Create(4 * PageSize, 6)[(2 * PageSize) + 99], lease.GetSpan((2 * PageSize) + 99, 1)[0]);
    }

    [Fact]
    public void ARangeOutsideTheFileOrEmptyIsRefused()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("refused", BytePatterns.Create(PageSize, 7)));

        Assert.Throws<ArgumentOutOfRangeException>(() => file.PinRange(PageSize - 10, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => file.PinRange(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => file.PinRange(-1, 1));
        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void RepinningThroughAnotherHandleOrCacheThrowsAndKeepsTheLease()
    {
        byte[] content = BytePatterns.Create(2 * PageSize, 8);
        using var cache = QuietCaches.Create();
        using var otherCache = QuietCaches.Create();
        var store = new MemoryBackingStore("owner", content);
        using CachedFile file = cache.Open(store);
        using CachedFile sameFileOtherHandle = cache.Open(store);
        using CachedFile otherCachesFile = otherCache.Open(new MemoryBackingStore("other", content));
        using PageRangeLease lease = file.PinRange(0, 10);

        var fromOtherCache = Assert.Throws<ArgumentException>(() => otherCachesFile.TryRepin(lease, 0, 10));
        var fromOtherHandle = Assert.Throws<ArgumentException>(() => sameFileOtherHandle.TryRepin(lease, 0, 10));

        Assert.Contains("another cache", fromOtherCache.Message, StringComparison.Ordinal);
        Assert.Contains("another handle", fromOtherHandle.Message, StringComparison.Ordinal);
        Assert.True(lease.IsHeld);
        Assert.Equal(content[..10], lease.Span.ToArray());
        Assert.Equal(0, otherCache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void RepinMovesTheLeaseAndAllocatesNothingOnAHit()
    {
        byte[] content = BytePatterns.Create(8 * PageSize, 9);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("repin", content));
        file.Read(0, new byte[content.Length]);
        PageRangeLease lease = file.PinRange(0, PageSize);
        Assert.True(file.TryRepin(lease, PageSize, PageSize)); // warm every path once

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(file.TryRepin(lease, (long)(i % 8) * PageSize, PageSize));
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(content.AsSpan(7 * PageSize, PageSize).ToArray(), lease.Span.ToArray());
        Assert.Equal(1, cache.GetStatistics().PinnedFrames);
        lease.Release();
        Assert.True(file.TryRepin(lease, 0, 5)); // a released lease may be repinned
        Assert.Equal(content[..5], lease.Span.ToArray());
        lease.Dispose();
        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void LeasesTogetherHoldAtMostAQuarterOfThePool()
    {
        using var cache = QuietCaches.Create(frameCount: 32); // leases may hold 8 pages
        using CachedFile file = cache.Open(new MemoryBackingStore("budget", BytePatterns.Create(32 * PageSize, 10)));

        var tooLarge = Assert.Throws<ArgumentOutOfRangeException>(() => file.PinRange(0, 9 * PageSize));
        Assert.Contains("quarter of the pool", tooLarge.Message, StringComparison.Ordinal);
        using PageRangeLease first = file.PinRange(0, 5 * PageSize);
        var full = Assert.Throws<InvalidOperationException>(() => file.PinRange(8 * PageSize, 4 * PageSize));
        Assert.Contains("5 pages of the 8", full.Message, StringComparison.Ordinal);
        Assert.False(file.TryPinRange(8 * PageSize, 4 * PageSize, out PageRangeLease? none));
        Assert.Null(none);
        Assert.Equal(5, cache.GetStatistics().PinnedFrames);

        Assert.True(file.TryPinRange(8 * PageSize, 3 * PageSize, out PageRangeLease? second));
        Assert.False(file.TryRepin(second, 8 * PageSize, 4 * PageSize));
        Assert.False(second.IsHeld);
        first.Release();
        Assert.True(file.TryRepin(second, 8 * PageSize, 8 * PageSize));
        second.Dispose();
        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void DisposingTheHandleReleasesAForgottenLease()
    {
        byte[] content = BytePatterns.Create(4 * PageSize, 11);
        var store = new MemoryBackingStore("forgotten", content);
        using var cache = QuietCaches.Create(maxPageWait: TimeSpan.FromMilliseconds(200));
        using CachedFile writer = cache.Open(store);
        CachedFile reader = cache.Open(store, FileAccess.Read);
        PageRangeLease lease = reader.PinRange(0, 3 * PageSize);
        Assert.Equal(3, cache.GetStatistics().PinnedFrames);

        reader.Dispose();

        Assert.False(lease.IsHeld);
        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
        var error = Assert.Throws<ObjectDisposedException>(() => lease.GetPageSpan(0).Length);
        Assert.Contains("handle was disposed", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(lease.Release);
        lease.Dispose();
        writer.Write(0, [1, 2, 3]); // nothing pins page 0 any more: the write does not wait
        Assert.Throws<ObjectDisposedException>(() => reader.PinRange(0, 1));
    }

    [Fact]
    public void AWriteToALeasedPageWaitsThenTimesOutWithNothingWritten()
    {
        byte[] content = BytePatterns.Create(2 * PageSize, 12);
        using var cache = QuietCaches.Create(maxPageWait: TimeSpan.FromMilliseconds(100));
        using CachedFile file = cache.Open(new MemoryBackingStore("wait", content));

        using (PageRangeLease lease = file.PinRange(100, PageSize))
        {
            Assert.Throws<TimeoutException>(() => file.Write(PageSize + 50, new byte[10]));
            Assert.Equal(content.AsSpan(100, PageSize).ToArray(), lease.Span.ToArray());
        }

        Assert.Equal(0, cache.GetStatistics().DirtyPages);
    }

    [Fact]
    public void TruncatingAwayLeasedPagesKeepsTheirFramesAndOldBytesUntilTheLeaseEnds()
    {
        // As for PageLease (T3): the pages leave the file at once; the lease keeps showing what it
        // pinned; the frames are freed when the lease is released.
        byte[] content = BytePatterns.Create(4 * PageSize, 13);
        using var target = CacheTarget.Open(CacheBacking.Memory, QuietCaches.Options(frameCount: 32), content);
        CachedFile file = target.File;
        using (PageRangeLease lease = file.PinRange((2 * PageSize) + 10, PageSize + 100))
        {
            file.SetLength(2 * PageSize);

            Assert.Equal(-1, file.FileObject.Index.Lookup(2));
            Assert.Equal(-1, file.FileObject.Index.Lookup(3));
            Assert.Equal(content.AsSpan((2 * PageSize) + 10, PageSize + 100).ToArray(), Gather(lease));
            Assert.Equal(0, file.Read(2 * PageSize, new byte[10]));
            Assert.Equal(2, target.Cache.GetStatistics().PinnedFrames);
        }

        PageCacheStatistics after = target.Cache.GetStatistics();
        Assert.Equal(0, after.PinnedFrames);
        Assert.Equal(after.FrameCount, after.FreeFrames + after.ActiveFrames + after.InactiveFrames);
    }

    [Fact]
    public void TruncatingIntoALeasedPageWaitsForTheLeaseAndFailsWithNothingChanged()
    {
        byte[] content = BytePatterns.Create(3 * PageSize, 14);
        using var target = CacheTarget.Open(CacheBacking.Memory, QuietCaches.Options(maxPageWait: TimeSpan.FromMilliseconds(200)), content);
        CachedFile file = target.File;
        using (PageRangeLease lease = file.PinRange(0, 2 * PageSize))
        {
            Assert.Throws<TimeoutException>(() => file.SetLength(PageSize + 100));
            Assert.Equal(content[..(2 * PageSize)], Gather(lease));
        }

        Assert.Equal(content.Length, file.Length);
        file.SetLength(PageSize + 100);
        Assert.Equal(PageSize + 100, file.Length);
    }

    private static byte[] Gather(PageRangeLease lease)
    {
        var bytes = new List<byte>();
        for (int page = 0; page < lease.PageCount; page++)
        {
            bytes.AddRange(lease.GetPageSpan(page).ToArray());
        }

        return [.. bytes];
    }

    private static int StateOf(CachedFile file, long page) =>
        file.Cache.Pool.Metadata(file.FileObject.Index.Lookup(page)).State;
}
