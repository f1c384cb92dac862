// Proves the way out of write failures that retrying cannot heal (EFBIG, EROFS): the failure is
// reported as permanent to every handle that has not seen it, the data is never dropped on the
// cache's own initiative (every flush and the page writer still try, the page writer at its
// longest back-off), and the caller gets out by discarding the failed range or by truncating
// below it, after which flushes and disposal succeed and the store holds exactly what was kept.

using Quire.Testing;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Writeback;

[Collection("Writeback")]
public sealed class PermanentErrorTests
{
    private const int PageSize = QuietCaches.PageSize;
    private const int EFBIG = 27;
    private const int EROFS = 30;

    [Fact]
    public void AFailureRetryingCannotHealIsReportedAsPermanentUntilTheRangeIsDiscarded()
    {
        var store = new FaultyStore();
        using var cache = QuietCaches.Create();
        using CachedFile first = cache.Open(store);
        using CachedFile second = cache.Open(store);
        first.Write(0, BytePatterns.Create(2 * PageSize, 1));
        first.Flush();
        store.FailWritesWith = EROFS; // the file system went read-only and stays so

        first.Write(2 * PageSize, BytePatterns.Create(2 * PageSize, 2));
        var error = Assert.Throws<WritebackFailedException>(first.Flush);
        Assert.True(error.IsPermanent);
        Assert.Equal(IOErrorKind.ReadOnlyFileSystem, error.ErrorKind);
        Assert.Throws<WritebackFailedException>(first.Flush); // still tried, still failing, still said
        Assert.Equal(2, cache.GetStatistics().DirtyPages); // nothing dropped

        first.Discard(2 * PageSize, 2 * PageSize);

        Assert.Equal(0, cache.GetStatistics().NotDurablePages);
        first.Flush(); // nothing left to write: the store's flush alone succeeds
        var seen = Assert.Throws<WritebackFailedException>(second.Flush); // once to the handle that had not seen it
        Assert.True(seen.IsPermanent);
        second.Flush();
        Assert.Equal(BytePatterns.Create(2 * PageSize, 1), store.Durable);
        Assert.Equal(4 * PageSize, first.Length); // the length is unchanged; the range reads as the store holds it
        byte[] read = new byte[2 * PageSize];
        first.Read(2 * PageSize, read);
        Assert.Equal(new byte[2 * PageSize], read);
    }

    [Fact]
    public void TruncatingBelowAFailedRangeIsAWayOutToo()
    {
        var store = new FaultyStore();
        var cache = QuietCaches.Create();
        CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(PageSize, 3));
        file.Flush();
        store.FailWritesWith = EFBIG; // past the largest file the store allows
        file.Write(1000L * PageSize, BytePatterns.Create(PageSize, 4));
        Assert.True(Assert.Throws<WritebackFailedException>(file.Flush).IsPermanent);

        file.SetLength(PageSize);

        file.Flush();
        file.Dispose();
        cache.Dispose(); // nothing is left that could not be made durable
        Assert.Equal(BytePatterns.Create(PageSize, 3), store.Durable);
    }

    [Fact]
    public void ThePageWriterRetriesAPermanentFailureOnlyAtItsLongestBackOff()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = 100 * PageSize,
            TimeProvider = clock,
            StartPageWriter = false,
        });
        var store = new FaultyStore { FailWritesWith = EROFS };
        using CachedFile file = cache.Open(store);
        file.Write(0, new byte[12 * PageSize]); // above the background threshold

        cache.PageWriter.RunOnePass();
        Assert.Equal(1, store.FailedWrites);

        clock.Advance(TimeSpan.FromSeconds(10));
        cache.PageWriter.RunOnePass();
        Assert.Equal(1, store.FailedWrites); // an I/O error would have been retried by now

        clock.Advance(TimeSpan.FromSeconds(21));
        cache.PageWriter.RunOnePass();
        Assert.Equal(2, store.FailedWrites);
        file.Discard(0, long.MaxValue); // the way out, or disposing would rightly throw
    }

    [Fact]
    public void DiscardTakesPageAlignedRangesOrRangesToTheEnd()
    {
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore());
        file.Write(0, new byte[(3 * PageSize) + 100]);

        Assert.Throws<ArgumentOutOfRangeException>("fileOffset", () => file.Discard(100, PageSize));
        Assert.Throws<ArgumentOutOfRangeException>("byteCount", () => file.Discard(0, PageSize + 1));
        Assert.Throws<ArgumentOutOfRangeException>("fileOffset", () => file.Discard(-PageSize, PageSize));
        Assert.Throws<ArgumentOutOfRangeException>("byteCount", () => file.Discard(PageSize, long.MaxValue));
        Assert.Equal(4, cache.GetStatistics().DirtyPages); // a refused call changes nothing

        file.Discard(PageSize, (2 * PageSize) + 100); // unaligned, but reaches the end
        Assert.Equal(1, cache.GetStatistics().DirtyPages);

        using CachedFile reader = cache.Open(new MemoryBackingStore("ro", new byte[PageSize]), FileAccess.Read);
        Assert.Throws<NotSupportedException>(() => reader.Discard(0, PageSize));
    }
}
