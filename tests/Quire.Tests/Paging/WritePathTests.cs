// Proves the write path reads only what it must (nothing for whole sectors or past the store's
// end, the page for a partial sector), that write leases extend the file, hold the page's bytes
// and mark it dirty on release, that a write which runs out of frames applies nothing (M1), and
// that writes at the very end of the offset range are handled, and that a write failing after
// some of its bytes are in the cache says how many on its exception, and that a write into
// cached sectors, partial ones included, allocates nothing. Counts store calls on a
// MemoryBackingStore; a store that refuses writes stands in for a failing device.

using Quire.Testing;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Paging;

public sealed class WritePathTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void WholeSectorWriteIntoAPageNotInTheCacheReadsNothing()
    {
        byte[] content = BytePatterns.Create(4 * PageSize, 1);
        var store = new MemoryBackingStore("sectors", content);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        byte[] data = BytePatterns.Create(1024, 2);

        file.Write(PageSize + 512, data);

        Assert.Equal(0, store.ReadCount);
        file.Flush();
        byte[] expected = (byte[])content.Clone();
        data.CopyTo(expected, PageSize + 512);
        Assert.Equal(expected, store.ToArray());
        Assert.Equal(0, store.ReadCount);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(100, 10)]
    [InlineData(511, 2)]
    [InlineData(4000, 96)]
    public void PartialSectorWriteReadsThePageAndKeepsItsNeighbours(int inPage, int byteCount)
    {
        byte[] content = BytePatterns.Create(4 * PageSize, 3);
        var store = new MemoryBackingStore("partial", content);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        byte[] data = BytePatterns.Create(byteCount, 4);

        file.Write((2 * PageSize) + inPage, data);

        Assert.Equal(1, store.ReadCount);
        byte[] expected = (byte[])content.Clone();
        data.CopyTo(expected, (2 * PageSize) + inPage);
        var back = new byte[expected.Length];
        file.Read(0, back);
        Assert.Equal(expected, back);
        file.Flush();
        Assert.Equal(expected, store.ToArray());
    }

    [Fact]
    public void PartialSectorWritePastTheStoresEndReadsNothing()
    {
        var store = new MemoryBackingStore("beyond", BytePatterns.Create(PageSize, 5));
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);

        file.Write((3 * PageSize) + 7, [1, 2, 3]);

        Assert.Equal(0, store.ReadCount);
        var back = new byte[PageSize];
        file.Read(3 * PageSize, back);
        Assert.Equal(new byte[] { 1, 2, 3 }, back[7..10]);
        Assert.True(BytePatterns.AllZero(back.AsSpan(0, 7)));
        Assert.True(BytePatterns.AllZero(back.AsSpan(10, 3)));
    }

    [Fact]
    public void PageWrittenInWholeSectorsIsCompletedFromTheStoreWhenRead()
    {
        byte[] content = BytePatterns.Create(PageSize, 6);
        var store = new MemoryBackingStore("complete", content);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        byte[] data = BytePatterns.Create(512, 7);
        file.Write(1024, data);

        var back = new byte[PageSize];
        Assert.Equal(PageSize, file.Read(0, back));

        byte[] expected = (byte[])content.Clone();
        data.CopyTo(expected, 1024);
        Assert.Equal(expected, back);
        Assert.Equal(1, store.ReadCount);
    }

    [Fact]
    public void WriteLeaseExtendsTheFileHoldsZerosThereAndMarksThePageDirty()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        byte[] data = BytePatterns.Create(50, 8);

        using (WritablePageLease lease = file.PinForWrite((2 * PageSize) + 100, 50))
        {
            Assert.Equal((2 * PageSize) + 150, file.Length);
            Assert.Equal(((2 * PageSize) + 100, 50), (lease.FileOffset, lease.Length));
            Assert.True(BytePatterns.AllZero(lease.Span));
            data.CopyTo(lease.Span);
            Assert.Equal(0, cache.GetStatistics().DirtyPages);
        }

        Assert.Equal(1, cache.GetStatistics().DirtyPages);
        byte[] expected = new byte[(2 * PageSize) + 150];
        data.CopyTo(expected, (2 * PageSize) + 100);
        var back = new byte[expected.Length];
        file.Read(0, back);
        Assert.Equal(expected, back);
        file.Flush();
        Assert.Equal(expected, store.ToArray());
    }

    [Fact]
    public void WriteLeaseHoldsTheRangesCurrentBytes()
    {
        byte[] content = BytePatterns.Create(2 * PageSize, 9);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("current", content));
        file.Write(PageSize + 10, [42]);

        using WritablePageLease lease = file.PinForWrite(PageSize + 5, 10);

        byte[] expected = content.AsSpan(PageSize + 5, 10).ToArray();
        expected[5] = 42;
        Assert.Equal(expected, lease.Span.ToArray());
        Assert.Equal(2 * PageSize, file.Length);
    }

    [Fact]
    public void ReadOfAPageUnderAWriteLeaseWaitsThenTimesOut()
    {
        using var cache = QuietCaches.Create(maxPageWait: TimeSpan.FromMilliseconds(100));
        using CachedFile file = cache.Open(new MemoryBackingStore("busy", BytePatterns.Create(PageSize, 10)));

        using WritablePageLease lease = file.PinForWrite(0, 8);

        Assert.Throws<TimeoutException>(() => file.Read(0, new byte[8]));
    }

    [Fact]
    public void WriteLeaseDisposedTwiceMarksTheRangeOnce()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore());
        WritablePageLease lease = file.PinForWrite(0, 8);
        lease.Span.Fill(1);

        lease.Dispose();
        lease.Dispose();

        Assert.Equal(1, cache.GetStatistics().DirtyPages);
        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
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
    }

    [Fact]
    public void WriteThatRunsOutOfFramesPartWayAppliesNothing()
    {
        // M1: "nothing was written" when a write fails with PageCacheExhaustedException, also for
        // a write larger than one batch of pages. The store refuses writes, so dirty pages cannot
        // be laundered to make room, and pins hold the rest of the pool.
        const int frameCount = 16;
        var store = new RefusingStore(BytePatterns.Create(frameCount * PageSize, 11));
        using var cache = QuietCaches.Create(frameCount, maxFrameWait: TimeSpan.FromMilliseconds(100));
        using CachedFile file = cache.Open(store);
        long lengthBefore = file.Length;
        store.RefuseWrites = true;
        try
        {
            PinThen(file, pinnedPages: frameCount - 3, () =>
            {
                Assert.Throws<PageCacheExhaustedException>(() => file.Write(100 * PageSize, new byte[6 * PageSize]));

                Assert.Equal(lengthBefore, file.Length);
                Assert.Equal(0, cache.GetStatistics().DirtyPages);
            });
        }
        finally
        {
            store.RefuseWrites = false; // lets the handle's and the cache's flushes on dispose succeed
        }
    }

    [Fact]
    public void WriteOfMoreThanHalfThePoolThatRunsOutOfFramesAppliesNothing()
    {
        // The same promise for a write too large to reserve frames for up front: Write documents
        // "nothing was written" for PageCacheExhaustedException whatever the write's size.
        const int frameCount = 16;
        var store = new RefusingStore(BytePatterns.Create(frameCount * PageSize, 12));
        using var cache = QuietCaches.Create(frameCount, maxFrameWait: TimeSpan.FromMilliseconds(100));
        using CachedFile file = cache.Open(store);
        long lengthBefore = file.Length;
        store.RefuseWrites = true;
        try
        {
            PinThen(file, pinnedPages: 10, () =>
            {
                Assert.Throws<PageCacheExhaustedException>(() => file.Write(100 * PageSize, new byte[8 * PageSize]));

                Assert.Equal(lengthBefore, file.Length);
                Assert.Equal(0, cache.GetStatistics().DirtyPages);
            });
        }
        finally
        {
            store.RefuseWrites = false;
        }
    }

    [Fact]
    public void WriteWhosePartialLastSectorCannotBeReadAppliesNothing()
    {
        // Write documents "nothing was written" when a partially written sector cannot be read.
        // Here the first pages are whole and the last ends inside a sector the store fails to read.
        byte[] content = BytePatterns.Create(16 * PageSize, 13);
        var store = new RefusingStore(content);
        using var cache = QuietCaches.Create(frameCount: 64);
        using CachedFile file = cache.Open(store);
        store.RefuseReads = true;

        Assert.Throws<BackingStoreException>(() => file.Write(2 * PageSize, new byte[(4 * PageSize) - 100]));

        store.RefuseReads = false;
        Assert.Equal(0, cache.GetStatistics().DirtyPages);
        var back = new byte[content.Length];
        file.Read(0, back);
        Assert.Equal(content, back);
    }

    [Fact]
    public void SmallWriteThatRunsOutOfFramesForItsPartialSectorAppliesNothing()
    {
        // A write small enough for its frames to be reserved up front still needs one more frame
        // to read its partial last sector; if that one cannot be had, nothing may be applied.
        const int frameCount = 16;
        byte[] content = BytePatterns.Create(frameCount * PageSize, 14);
        var store = new RefusingStore(content);
        using var cache = QuietCaches.Create(frameCount, maxFrameWait: TimeSpan.FromMilliseconds(100));
        using CachedFile file = cache.Open(store);
        store.RefuseWrites = true;
        try
        {
            PinThen(file, pinnedPages: frameCount - 3, () =>
            {
                Assert.Throws<PageCacheExhaustedException>(() => file.Write((frameCount - 3) * PageSize, new byte[(3 * PageSize) - 100]));

                Assert.Equal(0, cache.GetStatistics().DirtyPages);
            });
        }
        finally
        {
            store.RefuseWrites = false;
        }

        var back = new byte[content.Length];
        file.Read(0, back);
        Assert.Equal(content, back);
    }

    [Fact]
    public void WriteEndingAtTheLargestFileOffsetIsAppliedAndItsFlushReportsTheStoreRefusingIt()
    {
        // The range ends exactly at long.MaxValue, which the argument check allows: the cache
        // applies the write, and the store's refusal to grow that far comes at the flush, with the
        // data kept, until the caller cuts the file back (the documented way out).
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore());

        file.Write(long.MaxValue - 1, [7]);

        Assert.Equal(long.MaxValue, file.Length);
        var back = new byte[1];
        Assert.Equal(1, file.Read(long.MaxValue - 1, back));
        Assert.Equal(7, back[0]);
        Assert.Throws<WritebackFailedException>(file.Flush);
        Assert.Equal(1, cache.GetStatistics().DirtyPages);

        file.SetLength(0);

        file.Flush(); // the data given up, and the failure already reported to this handle
        Assert.Equal(0, file.Length);
        Assert.Equal(0, cache.GetStatistics().NotDurablePages);
    }

    /// <summary>Pins the first <paramref name="pinnedPages"/> pages of the file, runs <paramref name="action"/>, then unpins.</summary>
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

    /// <summary>A memory store that can be told to fail every write or read, as a failing device.</summary>
    private sealed class RefusingStore(byte[] content) : IBackingStore
    {
        private readonly MemoryBackingStore _inner = new("refusing", content);

        public bool RefuseWrites { get; set; }

        public bool RefuseReads { get; set; }

        public string Name => _inner.Name;

        public bool CanWrite => true;

        public long GetLength() => _inner.GetLength();

        public void SetLength(long byteCount) => _inner.SetLength(byteCount);

        public int Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset) =>
            RefuseReads ? throw new IOException("The device refuses reads.", 5) : _inner.Read(buffers, fileOffset);

        public ValueTask<int> ReadAsync(IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken) =>
            RefuseReads ? throw new IOException("The device refuses reads.", 5) : _inner.ReadAsync(buffers, fileOffset, cancellationToken);

        public void Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset)
        {
            if (RefuseWrites)
            {
                throw new IOException("The device refuses writes.", 5);
            }

            _inner.Write(buffers, fileOffset);
        }

        public void Flush() => _inner.Flush();

        public void Dispose() => _inner.Dispose();
    }

    [Fact]
    public void AWriteThatFailsAfterItsFirstPieceSaysHowManyBytesItWrote()
    {
        // 64 frames less a reserve of 4 and 2 for partial sectors: a write holds 58 pages at once.
        const int PiecePages = 58;
        byte[] content = BytePatterns.Create((PiecePages + 2) * PageSize, 21);
        var store = new FaultInjectingBackingStore(new MemoryBackingStore("pieces", content));
        store.AddRule(FaultRule.FailNth(StoreOperations.Read, 1));
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        byte[] data = BytePatterns.Create((PiecePages * PageSize) + 100, 22);

        // The first piece is whole pages (no read); the second ends inside a sector of a page that
        // is not cached, whose read fails.
        var error = Assert.Throws<BackingStoreException>(() => file.Write(0, data));

        Assert.Equal((long)PiecePages * PageSize, error.Data[CachedFile.BytesWrittenKey]);
        byte[] read = new byte[(PiecePages + 1) * PageSize];
        file.Read(0, read);
        Assert.Equal(data[..(PiecePages * PageSize)], read[..(PiecePages * PageSize)]);
        Assert.Equal(content[(PiecePages * PageSize)..((PiecePages + 1) * PageSize)], read[(PiecePages * PageSize)..]);
    }

    [Fact]
    public void AWriteThatFailsBeforeAnyOfItsBytesAreInTheCacheSaysNothingWasWritten()
    {
        byte[] content = BytePatterns.Create(2 * PageSize, 23);
        var store = new FaultInjectingBackingStore(new MemoryBackingStore("nothing", content));
        store.AddRule(FaultRule.FailNth(StoreOperations.Read, 1));
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);

        var error = Assert.Throws<BackingStoreException>(() => file.Write(PageSize, new byte[100]));

        Assert.False(error.Data.Contains(CachedFile.BytesWrittenKey));
        byte[] read = new byte[2 * PageSize];
        file.Read(0, read);
        Assert.Equal(content, read);
    }

    [Fact]
    public void ASmallWriteIntoCachedSectorsAllocatesNothing()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("f", BytePatterns.Create(4 * PageSize, 45)));
        file.Read(0, new byte[4 * PageSize]);
        byte[] value = [1, 2, 3, 4, 5, 6, 7, 8];
        file.Write(100, value); // the first write dirties the page

        // 4 and 8 bytes at sector-unaligned offsets (a BinaryWriter's), the pages already dirty:
        // no frame to reserve for a read of the partial sectors, which are valid.
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            file.Write((i % 4 * PageSize) + 100 + (i % 7), value.AsSpan(0, 4 + (i % 2 * 4)));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
