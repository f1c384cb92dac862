// Proves a read lease pins its page: the span shows the file's bytes, stays resident and
// unchanged while reads churn a tiny pool, makes writers of the page wait (and time out, with
// nothing written), counts as pinned, and releases exactly once however often it is disposed.

using Quire.Frames;
using Quire.Tests.Infrastructure;

namespace Quire.Tests;

public sealed class PageLeaseTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void LeaseShowsTheBytesOfItsRange()
    {
        byte[] content = BytePatterns.Create(3 * PageSize, 1);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("lease", content));

        using PageLease lease = file.Pin(PageSize + 100, 200);

        Assert.Equal(PageSize + 100, lease.FileOffset);
        Assert.Equal(200, lease.Length);
        Assert.Equal(content.AsSpan(PageSize + 100, 200).ToArray(), lease.Span.ToArray());
    }

    [Fact]
    public void LeaseMayCoverAWholePageOrEndExactlyAtEndOfFile()
    {
        byte[] content = BytePatterns.Create(PageSize + 10, 2);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("edges", content));

        using (PageLease whole = file.Pin(0, PageSize))
        {
            Assert.Equal(content[..PageSize], whole.Span.ToArray());
        }

        using PageLease tail = file.Pin(PageSize, 10);
        Assert.Equal(content[PageSize..], tail.Span.ToArray());
    }

    [Fact]
    public void LeaseSeesBytesWrittenButNotYetFlushed()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore());
        file.Write(0, BytePatterns.Create(300, 3));

        using PageLease lease = file.Pin(100, 200);

        Assert.Equal(BytePatterns.Create(300, 3)[100..], lease.Span.ToArray());
    }

    [Fact]
    public void PinnedPageStaysResidentAndUnchangedWhileReadsChurnATinyPool()
    {
        byte[] content = BytePatterns.Create(64 * PageSize, 4);
        using var cache = QuietCaches.Create(frameCount: 16);
        using CachedFile file = cache.Open(new MemoryBackingStore("churn", content));
        var page = new byte[PageSize];

        using PageLease lease = file.Pin(0, PageSize);
        int frame = file.FileObject.Index.Lookup(0);
        for (int round = 0; round < 3; round++)
        {
            for (int i = 1; i < 64; i++)
            {
                file.Read((long)i * PageSize, page);
            }
        }

        Assert.True(cache.GetStatistics().Evictions > 16);
        Assert.Equal(frame, file.FileObject.Index.Lookup(0));
        Assert.Equal(content[..PageSize], lease.Span.ToArray());
        Assert.Equal(1, cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void DisposedLeaseRefusesItsSpanAndReleasesThePinOnce()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("once", BytePatterns.Create(PageSize, 5)));
        PageLease lease = file.Pin(0, 10);
        PageLease other = file.Pin(0, 10);
        Assert.Equal(2, StateOf(file, 0) & PageState.SharedMask);

        lease.Dispose();
        lease.Dispose();

        bool refused = false;
        try
        {
            _ = lease.Span;
        }
        catch (ObjectDisposedException)
        {
            refused = true;
        }

        Assert.True(refused);
        Assert.Equal(1, StateOf(file, 0) & PageState.SharedMask);
        Assert.Equal(BytePatterns.Create(PageSize, 5)[..10], other.Span.ToArray());
        other.Dispose();
        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void ACopiedLeaseDisposedTwiceReleasesThePinOnceAndTheCopysSpanIsRefused()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("copy", BytePatterns.Create(PageSize, 6)));
        PageLease other = file.Pin(0, 10);
        PageLease lease = file.Pin(0, 10);
        PageLease copy = lease;

        lease.Dispose();
        copy.Dispose();

        Assert.Equal(1, StateOf(file, 0) & PageState.SharedMask);
        bool refused = false;
        try
        {
            _ = copy.Span;
        }
        catch (ObjectDisposedException)
        {
            refused = true;
        }

        Assert.True(refused, "The copy's span is refused once the lease it copies is released.");
        Assert.Equal(BytePatterns.Create(PageSize, 6)[..10], other.Span.ToArray());
        other.Dispose();
        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
        file.Write(0, [1, 2, 3]); // no pin left behind: the write does not wait
        byte[] written = new byte[3];
        Assert.Equal(3, file.Read(0, written));
        Assert.Equal(new byte[] { 1, 2, 3 }, written);
    }

    [Fact]
    public void ACopiedWritableLeaseMarksTheRangeDirtyAndReleasesTheHoldOnce()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("copy", BytePatterns.Create(PageSize, 7)));
        WritablePageLease lease = file.PinForWrite(100, 4);
        lease.Span.Fill(9);
        WritablePageLease copy = lease;

        copy.Dispose();
        lease.Dispose();
        copy.Dispose();

        Assert.Equal(0, StateOf(file, 0) & (PageState.SharedMask | PageState.Exclusive));
        Assert.Equal(1, cache.GetStatistics().DirtyPages);
        using (PageLease reader = file.Pin(100, 4))
        {
            Assert.Equal(new byte[] { 9, 9, 9, 9 }, reader.Span.ToArray());
        }

        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void ManyLeasesHeldAtOnceByOneThreadEachReleaseTheirOwnPin()
    {
        const int Pages = 40; // more than a thread's first table of tickets holds
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("many", BytePatterns.Create(Pages * PageSize, 8)));

        PinNested(file, 0, Pages);

        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
    }

    private static void PinNested(CachedFile file, int page, int pages)
    {
        if (page == pages)
        {
            for (int p = 0; p < pages; p++)
            {
                Assert.Equal(1, StateOf(file, p) & PageState.SharedMask);
            }

            return;
        }

        PageLease lease = file.Pin((long)page * PageSize, 1);
        PageLease copy = lease;
        PinNested(file, page + 1, pages);
        Assert.Equal(BytePatterns.Create(pages * PageSize, 8)[page * PageSize], copy.Span[0]);
        copy.Dispose();
        lease.Dispose();
        Assert.Equal(0, StateOf(file, page) & PageState.SharedMask);
    }

    [Fact]
    public void DefaultLeaseDisposesHarmlessly()
    {
        PageLease lease = default;

        lease.Dispose();

        Assert.Equal(0, lease.Length);
    }

    [Fact]
    public void PinOfAPageNotInTheCacheReadsItOnce()
    {
        var store = new MemoryBackingStore("cold", BytePatterns.Create(4 * PageSize, 6));
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);

        using (PageLease first = file.Pin(2 * PageSize, 8))
        {
            Assert.Equal(1, store.ReadCount);
        }

        using PageLease second = file.Pin((2 * PageSize) + 8, 8);
        Assert.Equal(1, store.ReadCount);
        Assert.Equal(BytePatterns.Create(4 * PageSize, 6).AsSpan((2 * PageSize) + 8, 8).ToArray(), second.Span.ToArray());
    }

    [Fact]
    public void WriteToAPinnedPageWaitsThenTimesOutAndWritesNothing()
    {
        byte[] content = BytePatterns.Create(2 * PageSize, 7);
        using var cache = QuietCaches.Create(maxPageWait: TimeSpan.FromMilliseconds(100));
        using CachedFile file = cache.Open(new MemoryBackingStore("wait", content));

        using (PageLease lease = file.Pin(0, 100))
        {
            Assert.Throws<TimeoutException>(() => file.Write(50, new byte[PageSize]));
            Assert.Equal(content[..100], lease.Span.ToArray());
        }

        Assert.Equal(2 * PageSize, file.Length);
        var back = new byte[content.Length];
        file.Read(0, back);
        Assert.Equal(content, back);
        Assert.Equal(0, cache.GetStatistics().DirtyPages);
    }

    [Fact]
    public void ReadersShareAPinnedPage()
    {
        byte[] content = BytePatterns.Create(PageSize, 8);
        using var cache = QuietCaches.Create(maxPageWait: TimeSpan.FromMilliseconds(100));
        using CachedFile file = cache.Open(new MemoryBackingStore("share", content));

        using PageLease lease = file.Pin(0, PageSize);
        var back = new byte[PageSize];

        Assert.Equal(PageSize, file.Read(0, back));
        Assert.Equal(content, back);
    }

    [Fact]
    public void DisposingTheLastHandleWhileItsLeaseIsHeldDoesNotFail()
    {
        // The handle's Dispose documents only WritebackFailedException: a page it cannot release
        // because a lease still pins it must stay with the file, not make Dispose time out.
        byte[] content = BytePatterns.Create(2 * PageSize, 9);
        using var cache = QuietCaches.Create(maxPageWait: TimeSpan.FromMilliseconds(200));
        CachedFile file = cache.Open(new MemoryBackingStore("handle", content));
        using (PageLease lease = file.Pin(PageSize, 8))
        {
            Exception? error = Record.Exception(file.Dispose);

            Assert.Null(error);
            Assert.Equal(content.AsSpan(PageSize, 8).ToArray(), lease.Span.ToArray());
        }

        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
    }

    private static int StateOf(CachedFile file, long page) =>
        file.Cache.Pool.Metadata(file.FileObject.Index.Lookup(page)).State;
}
