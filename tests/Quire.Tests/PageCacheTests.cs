// Proves the cache as a whole: its statistics start empty and count hits, misses, read-ahead,
// writes, durable flushes and evictions as the operations the test performs imply; FlushAll and
// Dispose write every open file; closing the last handle of a caller's store releases it and its
// frames; GetLength and FileExists answer from the cache where it has the file (its length with
// writes not yet flushed, which the OS does not show), else as the OS does, compared with a plain
// file; the smallest documented pool works with default settings; and the pool is resident once
// the cache is built.

using Quire.Tests.Infrastructure;

namespace Quire.Tests;

public sealed class PageCacheTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void NullOptionsMeanTheDefaults()
    {
        using var cache = new PageCache();

        Assert.Equal(4096, cache.PageSize);
        Assert.Equal(64L << 20, cache.Options.MemoryLimitBytes);
        Assert.Equal(16384, cache.GetStatistics().FrameCount);
    }

    [Fact]
    public void ThePoolIsResidentOnceTheCacheIsBuilt()
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 96L << 20 });

        // Asked of the frames themselves (mincore), not of the process's resident size, which
        // tests running beside this one move both ways.
        foreach ((nint address, nuint byteCount) in cache.Pool.Slabs())
        {
            long pages = (long)byteCount / Environment.SystemPageSize;
            byte[] residency = new byte[pages];
            Assert.Equal(0, MinCore(address, byteCount, residency));
            long resident = residency.Count(b => (b & 1) != 0);
            Assert.True(resident == pages, $"{resident} of the slab's {pages} OS pages are resident.");
        }
    }

    [Fact]
    public void SmallestDocumentedPoolWorksWithDefaultSettings()
    {
        // MinFrameCount is documented as the fewest frames a pool may have.
        var options = new PageCacheOptions { MemoryLimitBytes = PageCacheOptions.MinFrameCount * 4096L };

        using var cache = new PageCache(options);
        using CachedFile file = cache.Open(new MemoryBackingStore());
        file.Write(0, BytePatterns.Create(20 * PageSize, 1));

        Assert.Equal(PageCacheOptions.MinFrameCount, cache.GetStatistics().FrameCount);
    }

    [Fact]
    public void NewCacheHasEveryFrameFreeAndNoCounts()
    {
        using var cache = QuietCaches.Create(frameCount: 32);

        PageCacheStatistics statistics = cache.GetStatistics();

        Assert.Equal(32, statistics.FrameCount);
        Assert.Equal(PageSize, statistics.PageSize);
        Assert.Equal(32, statistics.FreeFrames);
        Assert.Equal(0, statistics.ActiveFrames + statistics.InactiveFrames + statistics.PinnedFrames);
        Assert.Equal(0, statistics.DirtyPages + statistics.WritebackPages + statistics.UnsyncedPages + statistics.OpenFiles);
        Assert.Equal(0, statistics.Hits + statistics.Misses + statistics.PagesRead + statistics.ReadIos + statistics.ReadAheadPages);
        Assert.Equal(0, statistics.PagesWritten + statistics.WriteIos + statistics.BytesWritten + statistics.DurableFlushes);
        Assert.Equal(0, statistics.Evictions + statistics.ReadFailures + statistics.WriteFailures + statistics.FlushFailures);
        Assert.Equal(0, statistics.HitRatio);
        Assert.Equal(0, statistics.AverageWriteBytes);
    }

    [Fact]
    public void StatisticsCountAMissWithItsReadAheadAndThenHits()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore("s", BytePatterns.Create(64 * PageSize, 2)));
        var page = new byte[PageSize];

        file.Read(0, page);
        PageCacheStatistics afterMiss = cache.GetStatistics();
        file.Read(PageSize, page);
        file.Read(0, page);
        PageCacheStatistics afterHits = cache.GetStatistics();

        // The first read from offset 0 is sequential: it reads its page and a 4-page window. The
        // second reaches the window's first page, which reads the next window (8 pages) in the
        // background; over a memory store that read completes before the call returns.
        Assert.Equal((1L, 0L, 1L, 5L, 4L), (afterMiss.Misses, afterMiss.Hits, afterMiss.ReadIos, afterMiss.PagesRead, afterMiss.ReadAheadPages));
        Assert.Equal((1L, 2L, 2L), (afterHits.Misses, afterHits.Hits, afterHits.ReadIos));
        Assert.Equal(2.0 / 3, afterHits.HitRatio, 6);
        Assert.Equal(13, afterHits.ActiveFrames + afterHits.InactiveFrames);
        Assert.Equal(64 - 13, afterHits.FreeFrames);
    }

    [Fact]
    public void StatisticsCountDirtyPagesWritesAndDurableFlushes()
    {
        using var cache = QuietCaches.Create();
        var store = new MemoryBackingStore();
        using CachedFile file = cache.Open(store);

        file.Write(0, BytePatterns.Create(8 * PageSize, 3));
        PageCacheStatistics dirty = cache.GetStatistics();
        file.Flush();
        PageCacheStatistics flushed = cache.GetStatistics();

        Assert.Equal(8, dirty.DirtyPages);
        Assert.Equal(0, dirty.WriteIos);
        Assert.Equal((0, 0, 0), (flushed.DirtyPages, flushed.WritebackPages, flushed.UnsyncedPages));
        Assert.Equal((1L, 8L, 8L * PageSize, 1L), (flushed.WriteIos, flushed.PagesWritten, flushed.BytesWritten, flushed.DurableFlushes));
        Assert.Equal(8.0 * PageSize, flushed.AverageWriteBytes);
        Assert.Equal((1L, 1L), (store.WriteCount, store.FlushCount));
    }

    [Fact]
    public void StatisticsCountEvictionsWhenReadsOutgrowThePool()
    {
        using var cache = QuietCaches.Create(frameCount: 16);
        using CachedFile file = cache.Open(new MemoryBackingStore("e", BytePatterns.Create(64 * PageSize, 4)));
        var page = new byte[PageSize];

        for (int i = 0; i < 64; i++)
        {
            file.Read((long)i * PageSize, page);
            Assert.Equal(BytePatterns.Create(64 * PageSize, 4).AsSpan(i * PageSize, PageSize).ToArray(), page);
        }

        PageCacheStatistics statistics = cache.GetStatistics();
        Assert.True(statistics.Evictions >= 64 - 16, $"{statistics.Evictions} evictions");

        // Every page is read; in a pool this small a background read-ahead window can lose a page
        // to reclaim before the reader gets to it, which then reads it again, so allow a few.
        Assert.InRange(statistics.PagesRead, 64, 64 + 16);
    }

    [Fact]
    public void FlushAllWritesEveryOpenFile()
    {
        using var cache = QuietCaches.Create();
        var first = new MemoryBackingStore("1");
        var second = new MemoryBackingStore("2");
        using CachedFile a = cache.Open(first);
        using CachedFile b = cache.Open(second);
        a.Write(0, BytePatterns.Create(3000, 5));
        b.Write(PageSize, BytePatterns.Create(10, 6));

        cache.FlushAll();

        Assert.Equal(BytePatterns.Create(3000, 5), first.ToArray());
        Assert.Equal(BytePatterns.Create(10, 6), second.ToArray()[PageSize..]);
        Assert.Equal((1L, 1L), (first.FlushCount, second.FlushCount));
        Assert.Equal(0, cache.GetStatistics().DirtyPages);
    }

    [Fact]
    public void DisposeWritesOpenFilesAndReleasesTheirStores()
    {
        var store = new MemoryBackingStore();
        var cache = QuietCaches.Create();
        CachedFile file = cache.Open(store);
        file.Write(100, BytePatterns.Create(5000, 7));

        cache.Dispose();

        Assert.Equal(BytePatterns.Create(5000, 7), store.ToArray()[100..]);
        Assert.Throws<ObjectDisposedException>(() => store.GetLength());
        Assert.Throws<ObjectDisposedException>(() => file.Length);
        file.Dispose();
    }

    [Fact]
    public async Task DisposeAsyncWritesOpenFiles()
    {
        var store = new MemoryBackingStore();
        var cache = QuietCaches.Create();
        CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(10, 8));

        await cache.DisposeAsync();
        await cache.DisposeAsync();

        Assert.Equal(BytePatterns.Create(10, 8), store.ToArray());
        await file.DisposeAsync();
    }

    [Fact]
    public void ClosingTheLastHandleWritesTheFileAndFreesItsFrames()
    {
        using var cache = QuietCaches.Create(frameCount: 32);
        var store = new MemoryBackingStore();
        CachedFile first = cache.Open(store);
        CachedFile second = cache.Open(store);
        first.Write(0, BytePatterns.Create(10 * PageSize, 9));

        first.Dispose();
        Assert.Equal(1, cache.GetStatistics().OpenFiles);
        Assert.Empty(store.ToArray());

        second.Dispose();
        PageCacheStatistics statistics = cache.GetStatistics();
        Assert.Equal(0, statistics.OpenFiles);
        Assert.Equal(32, statistics.FreeFrames);
        Assert.Equal(BytePatterns.Create(10 * PageSize, 9), store.ToArray());
        Assert.Throws<ObjectDisposedException>(() => store.GetLength());
    }

    [Fact]
    public void ReopeningAClosedFileByPathSeesWhatWasWritten()
    {
        using var directory = new TempDirectory();
        string path = directory.File("reopen.bin");
        using var cache = QuietCaches.Create();
        using (CachedFile file = cache.Open(path))
        {
            file.Write(0, BytePatterns.Create(5000, 10));
        }

        using CachedFile again = cache.Open(path, FileMode.Open, FileAccess.Read);
        var back = new byte[5000];
        Assert.Equal(5000, again.Read(0, back));
        Assert.Equal(BytePatterns.Create(5000, 10), back);
    }

    [Fact]
    public void DisposeWhileALeaseIsHeldReturnsAndKeepsTheLeaseReadable()
    {
        // Dispose documents that frames still held stay allocated rather than be freed under
        // their holder; it must not fail because a lease is still held.
        var store = new MemoryBackingStore("held", BytePatterns.Create(2 * PageSize, 11));
        var cache = QuietCaches.Create(maxPageWait: TimeSpan.FromMilliseconds(200));
        CachedFile file = cache.Open(store);
        using (PageLease lease = file.Pin(PageSize, 16))
        {
            Exception? error = Record.Exception(cache.Dispose);

            Assert.Null(error);
            Assert.Equal(BytePatterns.Create(2 * PageSize, 11).AsSpan(PageSize, 16).ToArray(), lease.Span.ToArray());
        }

        file.Dispose();
    }

    [Fact]
    public void GetLengthCountsWritesNotYetFlushedThroughAnyNameOfTheFile()
    {
        using var directory = new TempDirectory();
        string path = directory.File("growing");
        string link = directory.File("growing-link");
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(path);
        RawFile.HardLink(path, link);

        file.Write(0, BytePatterns.Create(10_000, 21));

        Assert.Equal(0, new FileInfo(path).Length); // the OS has not seen the bytes yet
        Assert.Equal(10_000, cache.GetLength(path));
        Assert.Equal(10_000, cache.GetLength(link));
        file.Flush();
        Assert.Equal(new FileInfo(path).Length, cache.GetLength(path)); // flushed: as the plain file says
    }

    [Fact]
    public void GetLengthOfAKeptFileChangedBehindTheCacheIsTheOSLength()
    {
        using var directory = new TempDirectory();
        string path = directory.File("kept");
        using var cache = QuietCaches.Create();
        using (CachedFile file = cache.Open(path))
        {
            file.Write(0, BytePatterns.Create(3 * PageSize, 22));
        }

        Assert.Equal(3 * PageSize, cache.GetLength(path));
        using (var other = new FileStream(path, FileMode.Append))
        {
            other.Write(new byte[100]);
        }

        Assert.Equal((3 * PageSize) + 100, cache.GetLength(path));
    }

    [Fact]
    public void FileExistsAsFileExistsSaysWithOpenHandlesAndKeptFiles()
    {
        using var directory = new TempDirectory();
        string path = directory.File("named");
        using var cache = QuietCaches.Create();
        Assert.False(cache.FileExists(path));
        Assert.Throws<FileNotFoundException>(() => cache.GetLength(path));

        using (CachedFile file = cache.Open(path, FileMode.CreateNew))
        {
            Assert.True(cache.FileExists(path));
            File.Delete(path);
            Assert.Equal(File.Exists(path), cache.FileExists(path)); // gone from the directory, though open
        }

        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.True(cache.FileExists(path));
        Assert.Equal(3, cache.GetLength(path));
        Assert.False(cache.FileExists(directory.Path)); // a directory is no file, as for File.Exists
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static extern int MinCore(nint address, nuint length, byte[] residency);
}
