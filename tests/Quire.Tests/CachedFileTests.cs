// Proves a cached file reads and writes like a file, over a memory store and over a real file
// on disk: short and empty reads at end of file, zeros in gaps and past the end, shared size and
// data between handles of one file, access modes refused as .NET refuses them, and bytes that
// reach the store on Flush. Each test compares with bytes it computed itself.

using Quire.Tests.Infrastructure;

namespace Quire.Tests;

public sealed class CachedFileTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void ReadAtOrPastEndOfFileReturnsZero(CacheBacking backing)
    {
        using var target = CacheTarget.Open(backing, initialContent: BytePatterns.Create(5000, 1));
        var buffer = new byte[100];

        Assert.Equal(0, target.File.Read(5000, buffer));
        Assert.Equal(0, target.File.Read(1_000_000, buffer));
        Assert.Equal(0, target.File.Read(long.MaxValue - 100, buffer));
        Assert.True(BytePatterns.AllZero(buffer));
        Assert.Equal(5000, target.File.Length);
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void ReadAcrossEndOfFileReturnsAShortCountAndLeavesTheRestOfTheBuffer(CacheBacking backing)
    {
        byte[] content = BytePatterns.Create(5000, 2);
        using var target = CacheTarget.Open(backing, initialContent: content);
        byte[] buffer = Enumerable.Repeat((byte)0xEE, 2 * PageSize).ToArray();

        int read = target.File.Read(3000, buffer);

        Assert.Equal(2000, read);
        Assert.Equal(content[3000..], buffer[..2000]);
        Assert.All(buffer[2000..], b => Assert.Equal(0xEE, b));
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public async Task AsynchronousReadAtEndOfFileReturnsZeroAndAcrossItAShortCount(CacheBacking backing)
    {
        byte[] content = BytePatterns.Create(5000, 20);
        using var target = CacheTarget.Open(backing, initialContent: content);
        var buffer = new byte[2 * PageSize];

        Assert.Equal(0, await target.File.ReadAsync(5000, buffer));
        Assert.Equal(0, await target.File.ReadAsync(PageSize * 10L, buffer));
        Assert.Equal(1000, await target.File.ReadAsync(4000, buffer));
        Assert.Equal(content[4000..], buffer[..1000]);
    }

    [Fact]
    public void HandleStatisticsDescribeTheFileAndCountEachHandlesOwnWrites()
    {
        using var target = CacheTarget.Open(CacheBacking.Memory);
        CachedFile other = target.OpenHandle();

        target.File.Write(0, BytePatterns.Create(5000, 21));
        other.Write(10, [1, 2, 3]);

        CachedFileStatistics mine = target.File.GetStatistics();
        CachedFileStatistics theirs = other.GetStatistics();
        Assert.Equal((5000L, 2, 2), (mine.Length, mine.ResidentPages, mine.DirtyPages));
        Assert.Equal((5000L, 2, 2), (theirs.Length, theirs.ResidentPages, theirs.DirtyPages));
        Assert.Equal((5000L, 3L), (mine.BytesDirtied, theirs.BytesDirtied));

        target.File.Flush();
        Assert.Equal(0, target.File.GetStatistics().DirtyPages);
        Assert.Equal(TimeSpan.Zero, target.File.GetStatistics().OldestDirtyAge);
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void PartialLastPageHoldsZerosPastEndOfFile(CacheBacking backing)
    {
        byte[] content = BytePatterns.Create(5000, 3);
        using var target = CacheTarget.Open(backing, initialContent: content);
        Assert.Equal(904, target.File.Read(PageSize, new byte[PageSize]));

        int frame = target.File.FileObject.Index.Lookup(1);
        Assert.True(frame >= 0, "the last page is resident after the read");
        Assert.True(BytePatterns.AllZero(target.Cache.Pool.Bytes(frame)[904..]));

        target.File.SetLength(2 * PageSize);
        byte[] all = target.ReadAll();
        Assert.Equal(content, all[..5000]);
        Assert.True(BytePatterns.AllZero(all.AsSpan(5000)));
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void WritePastEndOfFileLeavesAGapThatReadsZerosInTheCacheAndInTheStore(CacheBacking backing)
    {
        byte[] content = BytePatterns.Create(100, 4);
        byte[] data = BytePatterns.Create(50, 5);
        using var target = CacheTarget.Open(backing, initialContent: content);
        long offset = (3 * PageSize) + 10;

        target.File.Write(offset, data);

        byte[] expected = new byte[offset + data.Length];
        content.CopyTo(expected, 0);
        data.CopyTo(expected, offset);
        Assert.Equal(expected.Length, target.File.Length);
        Assert.Equal(expected, target.ReadAll());

        target.File.Flush();
        Assert.Equal(0, target.Cache.GetStatistics().DirtyPages);
        Assert.Equal(expected, target.StoredBytes());
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void ZeroLengthWriteAndReadChangeNothing(CacheBacking backing)
    {
        using var target = CacheTarget.Open(backing, initialContent: BytePatterns.Create(10, 6));

        target.File.Write(1_000_000, ReadOnlySpan<byte>.Empty);
        Assert.Equal(0, target.File.Read(3, Span<byte>.Empty));

        Assert.Equal(10, target.File.Length);
        Assert.Equal(BytePatterns.Create(10, 6), target.ReadAll());
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void HandlesOfOneFileShareItsSizeAndData(CacheBacking backing)
    {
        using var target = CacheTarget.Open(backing);
        CachedFile first = target.File;
        CachedFile second = target.OpenHandle();
        byte[] data = BytePatterns.Create(3 * PageSize, 7);

        first.Write(0, data);
        Assert.Equal(data.Length, second.Length);
        var back = new byte[data.Length];
        Assert.Equal(data.Length, second.Read(0, back));
        Assert.Equal(data, back);

        second.SetLength(PageSize + 1);
        Assert.Equal(PageSize + 1, first.Length);
        second.Write(10, [9, 9, 9]);
        var three = new byte[3];
        first.Read(10, three);
        Assert.Equal(new byte[] { 9, 9, 9 }, three);
        Assert.Equal(1, target.Cache.GetStatistics().OpenFiles);
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void ReadOnlyHandleReadsWhatAWritableHandleWroteAndFlushesNothing(CacheBacking backing)
    {
        using var target = CacheTarget.Open(backing);
        CachedFile reader = target.OpenHandle(FileAccess.Read);
        target.File.Write(0, BytePatterns.Create(PageSize, 8));

        var back = new byte[PageSize];
        Assert.Equal(PageSize, reader.Read(0, back));
        Assert.Equal(BytePatterns.Create(PageSize, 8), back);
        Assert.False(reader.CanWrite);

        reader.Flush();
        Assert.Equal(1, target.Cache.GetStatistics().DirtyPages);
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void ReadOnlyHandleRefusesEveryWriteWithNotSupportedException(CacheBacking backing)
    {
        using var target = CacheTarget.Open(backing, initialContent: BytePatterns.Create(PageSize, 9));
        CachedFile reader = target.OpenHandle(FileAccess.Read);

        Assert.Throws<NotSupportedException>(() => reader.Write(0, new byte[1]));
        Assert.Throws<NotSupportedException>(() => reader.WriteAsync(0, new byte[1]).AsTask().GetAwaiter().GetResult());
        Assert.Throws<NotSupportedException>(() => reader.SetLength(0));
        Assert.Throws<NotSupportedException>(() =>
        {
            using WritablePageLease lease = reader.PinForWrite(0, 1);
        });

        Assert.Equal(PageSize, target.File.Length);
        Assert.Equal(BytePatterns.Create(PageSize, 9), target.ReadAll());
        Assert.Equal(0, target.Cache.GetStatistics().DirtyPages);
    }

    [Fact]
    public void OpeningOnePathTwiceSharesOneFile()
    {
        using var directory = new TempDirectory();
        string path = directory.File("shared.bin");
        using var cache = QuietCaches.Create();
        using CachedFile first = cache.Open(path);
        using CachedFile second = cache.Open(Path.Combine(directory.Path, ".", "shared.bin"), FileMode.Open);

        first.Write(0, BytePatterns.Create(100, 10));

        Assert.Equal(100, second.Length);
        Assert.Equal(first.Name, second.Name);
        Assert.Equal(1, cache.GetStatistics().OpenFiles);
    }

    [Fact]
    public void OpeningAFileThroughASymbolicLinkSharesIt()
    {
        using var directory = new TempDirectory();
        string path = directory.File("real.bin");
        string link = directory.File("link.bin");
        File.WriteAllBytes(path, BytePatterns.Create(10, 22));
        File.CreateSymbolicLink(link, path);
        using var cache = QuietCaches.Create();
        using CachedFile direct = cache.Open(path, FileMode.Open);

        using CachedFile linked = cache.Open(link, FileMode.Open);
        linked.Write(0, [0xEE]);

        var first = new byte[1];
        direct.Read(0, first);
        Assert.Equal(0xEE, first[0]);
        Assert.Equal(1, cache.GetStatistics().OpenFiles);
    }

    [Fact]
    public void CreateNewOfAFileOnDiskThrowsIOExceptionAndKeepsIt()
    {
        using var directory = new TempDirectory();
        string path = directory.File("exists.bin");
        File.WriteAllBytes(path, BytePatterns.Create(10, 11));
        using var cache = QuietCaches.Create();

        Assert.ThrowsAny<IOException>(() => cache.Open(path, FileMode.CreateNew));

        Assert.Equal(0, cache.GetStatistics().OpenFiles);
        Assert.Equal(BytePatterns.Create(10, 11), File.ReadAllBytes(path));
    }

    [Fact]
    public void CreateNewOfAFileOpenInTheCacheThrowsIOExceptionAndKeepsIt()
    {
        using var directory = new TempDirectory();
        string path = directory.File("open.bin");
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(path);
        file.Write(0, BytePatterns.Create(10, 12));

        Assert.ThrowsAny<IOException>(() => cache.Open(path, FileMode.CreateNew));

        Assert.Equal(10, file.Length);
        var back = new byte[10];
        file.Read(0, back);
        Assert.Equal(BytePatterns.Create(10, 12), back);
    }

    [Fact]
    public void ATruncatingWriteOpenOfAFileOpenReadOnlyEmptiesItForTheReader()
    {
        using var directory = new TempDirectory();
        string path = directory.File("ro.bin");
        File.WriteAllBytes(path, BytePatterns.Create(10, 13));
        using var cache = QuietCaches.Create();
        using CachedFile reader = cache.Open(path, FileMode.Open, FileAccess.Read);

        using (cache.Open(path, FileMode.Truncate, FileAccess.ReadWrite))
        {
            Assert.Equal(0, reader.Length);
        }

        Assert.Empty(RawFile.ReadAllBytes(path)); // a truncate cuts the file on disk at once
    }

    [Theory]
    [InlineData(FileMode.Create)]
    [InlineData(FileMode.Truncate)]
    public void TruncatingOpenOfAnOpenFileEmptiesItForEveryHandle(FileMode mode)
    {
        using var directory = new TempDirectory();
        string path = directory.File("trunc.bin");
        using var cache = QuietCaches.Create();
        using CachedFile first = cache.Open(path);
        first.Write(0, BytePatterns.Create(3 * PageSize, 14));

        using CachedFile second = cache.Open(path, mode);
        Assert.Equal(0, first.Length);
        Assert.Equal(0, second.Length);

        first.SetLength(PageSize);
        var back = new byte[PageSize];
        Assert.Equal(PageSize, second.Read(0, back));
        Assert.True(BytePatterns.AllZero(back));
    }

    [Theory]
    [InlineData(FileMode.Create)]
    [InlineData(FileMode.Truncate)]
    public void ReadOnlyOpenWithATruncatingModeIsRefusedWhetherOrNotTheFileIsOpen(FileMode mode)
    {
        // .NET refuses Create and Truncate with read access (ArgumentException) for a closed
        // file; a file the cache already has open must be refused the same way, untouched, and
        // must not keep a handle count that never goes away.
        using var directory = new TempDirectory();
        string closedPath = directory.File("closed.bin");
        string openPath = directory.File("open.bin");
        File.WriteAllBytes(closedPath, BytePatterns.Create(100, 15));
        using var cache = QuietCaches.Create();
        CachedFile writer = cache.Open(openPath);
        writer.Write(0, BytePatterns.Create(100, 15));

        Assert.Throws<ArgumentException>(() => cache.Open(closedPath, mode, FileAccess.Read));
        Exception? error = Record.Exception(() => cache.Open(openPath, mode, FileAccess.Read).Dispose());

        Assert.IsType<ArgumentException>(error);
        Assert.Equal(100, writer.Length);
        writer.Dispose();
        Assert.Equal(0, cache.GetStatistics().OpenFiles);
        Assert.Equal(BytePatterns.Create(100, 15), File.ReadAllBytes(openPath));
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public void WriteMuchLargerThanATinyPoolReadsBackIntactAndReachesTheStore(CacheBacking backing)
    {
        using var target = CacheTarget.Open(backing, QuietCaches.Options(frameCount: 16));
        byte[] data = BytePatterns.Create((100 * PageSize) + 123, 16);

        target.File.Write(77, data);

        var back = new byte[data.Length];
        Assert.Equal(data.Length, target.File.Read(77, back));
        Assert.Equal(data, back);
        target.File.Flush();
        byte[] stored = target.StoredBytes();
        Assert.True(BytePatterns.AllZero(stored.AsSpan(0, 77)));
        Assert.Equal(data, stored[77..]);
    }

    [Theory]
    [InlineData(CacheBacking.Memory)]
    [InlineData(CacheBacking.RealFile)]
    public async Task AsynchronousWritesAndReadsRoundTrip(CacheBacking backing)
    {
        using var target = CacheTarget.Open(backing, QuietCaches.Options(frameCount: 16));
        byte[] data = BytePatterns.Create(40 * PageSize, 17);

        await target.File.WriteAsync(PageSize / 2, data);
        var back = new byte[data.Length];
        target.File.Advise(0, 0, FileAdvice.DontNeed); // no-op range: nothing dropped
        int read = await target.File.ReadAsync(PageSize / 2, back);

        Assert.Equal(data.Length, read);
        Assert.Equal(data, back);
    }

    [Fact]
    public async Task AsynchronousReadOfPagesNotInTheCacheReadsTheStore()
    {
        byte[] content = BytePatterns.Create(20 * PageSize, 18);
        using var target = CacheTarget.Open(CacheBacking.Memory, initialContent: content);
        var back = new byte[content.Length];

        int read = await target.File.ReadAsync(0, back);

        Assert.Equal(content.Length, read);
        Assert.Equal(content, back);
        Assert.True(target.Store!.ReadCount > 0);
    }

    [Fact]
    public void StoreShorterThanTheCachedSizeReadsZerosForTheMissingTail()
    {
        // R4: something outside the cache cut the store; the cache still believes 2 pages.
        byte[] content = BytePatterns.Create(2 * PageSize, 19);
        using var target = CacheTarget.Open(CacheBacking.Memory, initialContent: content);
        target.Store!.SetLength(5000);

        var back = new byte[PageSize];
        int read = target.File.Read(PageSize, back);

        Assert.Equal(PageSize, read);
        Assert.Equal(content[PageSize..5000], back[..904]);
        Assert.True(BytePatterns.AllZero(back.AsSpan(904)));
    }

    [Fact]
    public void NameIsThePathOrTheStoreName()
    {
        using var directory = new TempDirectory();
        using var cache = QuietCaches.Create();
        using CachedFile onDisk = cache.Open(directory.File("named.bin"));
        using CachedFile inMemory = cache.Open(new MemoryBackingStore("my store"));

        Assert.Equal(Path.GetFullPath(directory.File("named.bin")), onDisk.Name);
        Assert.Equal("my store", inMemory.Name);
        Assert.Equal(PageSize, onDisk.PageSize);
        Assert.True(onDisk.CanWrite);
    }
}
