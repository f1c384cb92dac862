// Proves the public exception types carry what they promise: file, range, counts, the store's
// error as the inner exception with its errno as HResult and a portable kind; and that their
// constructors cope with what callers may pass (no inner exception, empty or null ranges).

namespace Quire.Tests.Api;

public sealed class ExceptionTests
{
    [Fact]
    public void BackingStoreExceptionNamesFileRangeAndKeepsTheErrno()
    {
        var inner = new IOException("No space left on device", 28);

        var error = new BackingStoreException("read", "a.bin", 4096, 8192, inner);

        Assert.Equal(("a.bin", 4096L, 8192L), (error.FileName, error.FileOffset, error.ByteCount));
        Assert.Same(inner, error.InnerException);
        Assert.Equal(28, error.HResult);
        Assert.Equal(IOErrorKind.NoSpace, error.ErrorKind);
        Assert.Contains("a.bin", error.Message, StringComparison.Ordinal);
        Assert.Contains("[4096, 12288)", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(error);
    }

    [Fact]
    public void WritebackFailedExceptionListsItsRanges()
    {
        var inner = new IOException("Disk quota exceeded", 122);
        ByteRange[] ranges = [new(0, 4096), new(8192, 100)];

        var error = new WritebackFailedException("b.bin", ranges, inner);

        Assert.Equal("b.bin", error.FileName);
        Assert.Equal(ranges, error.Ranges);
        Assert.Equal(IOErrorKind.QuotaExceeded, error.ErrorKind);
        Assert.Equal(122, error.HResult);
        Assert.Contains("[8192, 8292)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, IOErrorKind.IOError, false)]
    [InlineData(28, IOErrorKind.NoSpace, false)]
    [InlineData(122, IOErrorKind.QuotaExceeded, false)]
    [InlineData(27, IOErrorKind.TooLarge, true)]
    [InlineData(30, IOErrorKind.ReadOnlyFileSystem, true)]
    [InlineData(13, IOErrorKind.PermissionDenied, true)]
    [InlineData(1, IOErrorKind.PermissionDenied, true)]
    public void EveryExceptionClassifiesTheErrnoAndSaysWhetherRetryingCanHealIt(int errno, IOErrorKind kind, bool permanent)
    {
        var inner = new IOException("injected", errno);

        var failed = new WritebackFailedException("e.bin", [], inner);
        var store = new BackingStoreException("write", "e.bin", 0, 1, inner);
        var stalled = new WritebackStalledException("e.bin", 1, TimeSpan.FromSeconds(1), inner);

        Assert.Equal((kind, permanent), (failed.ErrorKind, failed.IsPermanent));
        Assert.Equal((kind, permanent), (store.ErrorKind, store.IsPermanent));
        Assert.Equal((kind, permanent), (stalled.ErrorKind, stalled.IsPermanent));
    }

    [Fact]
    public void WritebackFailedExceptionSummarisesManyRanges()
    {
        ByteRange[] ranges = Enumerable.Range(0, 20).Select(i => new ByteRange(i * 10_000L, 10)).ToArray();

        var error = new WritebackFailedException("c.bin", ranges, null);

        Assert.Contains("and 12 more ranges", error.Message, StringComparison.Ordinal);
        Assert.Equal(IOErrorKind.IOError, error.ErrorKind);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public void WritebackFailedExceptionWithNoRangesSaysTheFlushFailed()
    {
        var error = new WritebackFailedException("d.bin", [], new IOException("fsync", 5));

        Assert.Empty(error.Ranges);
        Assert.Contains("durable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WritebackFailedExceptionRefusesNullRangesWithArgumentNullException()
    {
        Exception? error = Record.Exception(() => new WritebackFailedException("e.bin", null!, null));

        Assert.IsType<ArgumentNullException>(error);
        Assert.Equal("ranges", ((ArgumentNullException)error).ParamName);
    }

    [Fact]
    public void PageCacheExhaustedExceptionCountsFrames()
    {
        var error = new PageCacheExhaustedException(16, 12, 4, TimeSpan.FromMilliseconds(250), null);

        Assert.Equal((16, 12, 4), (error.FrameCount, error.PinnedFrameCount, error.DirtyFrameCount));
        Assert.Contains("250 ms", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(error);
    }

    [Fact]
    public void WritebackStalledExceptionKeepsTheWriteError()
    {
        var inner = new IOException("No space", 28);

        var error = new WritebackStalledException("f.bin", 7, TimeSpan.FromSeconds(60), inner);

        Assert.Equal("f.bin", error.FileName);
        Assert.Equal(IOErrorKind.NoSpace, error.ErrorKind);
        Assert.Equal(28, error.HResult);
        Assert.Same(inner, error.InnerException);
    }

    [Fact]
    public void InvariantExceptionKeepsItsMessageAndCause()
    {
        var cause = new InvalidOperationException("cause");

        var error = new PageCacheInvariantException("what would be lost", cause);

        Assert.Equal("what would be lost", error.Message);
        Assert.Same(cause, error.InnerException);
        Assert.IsNotAssignableFrom<IOException>(error);
    }

    [Fact]
    public void ByteRangeEndsAfterItsBytes()
    {
        var range = new ByteRange(100, 50);

        Assert.Equal(150, range.End);
        Assert.Equal("[100, 150)", range.ToString());
    }
}
