// Proves writeback clusters: adjacent dirty pages go to the store in one vectored write, a gap
// or the MaxClusterBytes cap splits them, the last page is clipped at end of file, a page
// written in pieces writes only its dirty sectors (leaving the store's other bytes alone), and
// clean pages are not written again. Counts MemoryBackingStore calls after a Flush. And that
// memory cleaning, which may run under page holds, never waits for a size change to apply a
// store truncation left pending.

using Quire.Files;
using Quire.Internal;
using Quire.Tests.Infrastructure;
using Quire.Writeback;

namespace Quire.Tests.Writeback;

public sealed class ClusterWriterTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void AdjacentDirtyPagesAreWrittenWithOneStoreWrite()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        byte[] data = BytePatterns.Create(8 * PageSize, 1);
        file.Write(0, data);

        file.Flush();

        Assert.Equal(1, store.WriteCount);
        Assert.Equal(data, store.ToArray());
    }

    [Fact]
    public void GapBetweenDirtyPagesSplitsTheCluster()
    {
        byte[] content = BytePatterns.Create(8 * PageSize, 2);
        var store = new MemoryBackingStore("gap", content);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        byte[] first = BytePatterns.Create(3 * PageSize, 3);
        byte[] second = BytePatterns.Create(3 * PageSize, 4);
        file.Write(0, first);
        file.Write(5 * PageSize, second);

        file.Flush();

        Assert.Equal(2, store.WriteCount);
        byte[] expected = (byte[])content.Clone();
        first.CopyTo(expected, 0);
        second.CopyTo(expected, 5 * PageSize);
        Assert.Equal(expected, store.ToArray());
    }

    [Fact]
    public void ClusterIsCappedAtMaxClusterBytes()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create(maxClusterBytes: 4 * PageSize);
        using CachedFile file = cache.Open(store);
        byte[] data = BytePatterns.Create(10 * PageSize, 5);
        file.Write(0, data);

        file.Flush();

        Assert.Equal(3, store.WriteCount); // 4 + 4 + 2 pages
        Assert.Equal(data, store.ToArray());
    }

    [Fact]
    public void WriteBackClipsLastPageAtEndOfFile()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        byte[] data = BytePatterns.Create(5000, 6);
        file.Write(0, data);

        file.Flush();

        Assert.Equal(5000, store.GetLength());
        Assert.Equal(data, store.ToArray());
        Assert.Equal(5000, cache.GetStatistics().BytesWritten);
        Assert.Equal(1, store.WriteCount);
    }

    [Fact]
    public void PageWrittenInPiecesWritesOnlyItsDirtySectors()
    {
        byte[] content = BytePatterns.Create(2 * PageSize, 7);
        var store = new MemoryBackingStore("pieces", content);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        byte[] a = BytePatterns.Create(512, 8);
        byte[] b = BytePatterns.Create(1024, 9);
        file.Write(0, a);
        file.Write(2048, b);
        store.Write([new byte[] { 0xEE }], 1000); // a byte of an unread sector changed under the cache

        file.Flush();

        Assert.Equal(0, store.ReadCount);
        Assert.Equal(1 + 2, store.WriteCount); // the test's own write, then one per dirty run
        Assert.Equal(512 + 1024, cache.GetStatistics().BytesWritten);
        byte[] expected = (byte[])content.Clone();
        a.CopyTo(expected, 0);
        b.CopyTo(expected, 2048);
        expected[1000] = 0xEE;
        Assert.Equal(expected, store.ToArray());
    }

    [Fact]
    public void CleanPagesAreNotWrittenAgainButRedirtiedOnesAre()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(4 * PageSize, 10));
        file.Flush();

        file.Flush();
        Assert.Equal(1, store.WriteCount);
        Assert.Equal(1, store.FlushCount); // nothing reached the store since the first: no second sync

        file.Write(PageSize + 3, [1, 2]);
        file.Flush();
        Assert.Equal(2, store.WriteCount);
        Assert.Equal(5, cache.GetStatistics().PagesWritten);
        Assert.Equal(new byte[] { 1, 2 }, store.ToArray()[(PageSize + 3)..(PageSize + 5)]);
    }

    [Fact]
    public void MemoryCleaningLeavesAPendingStoreCutForLaterRatherThanWaitForASizeChange()
    {
        // A size change in progress may be waiting for a page that a reclaiming thread holds; if
        // that thread waited for the size change to apply a pending cut, each would wait for the
        // other. So memory cleaning does not wait: the cut is left pending, the store untouched.
        byte[] content = BytePatterns.Create(8 * PageSize, 11);
        var store = new MemoryBackingStore("pending", content);
        var file = new FileObject(1, "pending", store, isWritable: true, size: 8 * PageSize) { PendingStoreTruncate = 2 * PageSize };
        file.Gate.EnterResize(Deadline.After(TimeSpan.FromSeconds(1))); // another thread's size change, not ended
        try
        {
            Assert.False(ClusterWriter.ApplyPendingTruncate(file, Deadline.After(TimeSpan.FromSeconds(30)), wait: false));
            Assert.Equal(2 * PageSize, file.PendingStoreTruncate);
            Assert.Equal(content, store.ToArray());
        }
        finally
        {
            file.Gate.ExitResize();
        }

        // With the gate free it cuts the store, even without waiting; a flush waits and cuts.
        Assert.True(ClusterWriter.ApplyPendingTruncate(file, Deadline.After(TimeSpan.FromSeconds(30)), wait: false));
        Assert.Equal(-1, file.PendingStoreTruncate);
        byte[] cut = store.ToArray(); // cut to 2 pages, then back up to the file's size of 8
        Assert.Equal(content[..(2 * PageSize)], cut[..(2 * PageSize)]);
        Assert.Equal(new byte[6 * PageSize], cut[(2 * PageSize)..]);
    }
}
