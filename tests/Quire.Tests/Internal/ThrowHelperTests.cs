// Proves the shared range check accepts every range that ends at or before long.MaxValue and
// rejects a negative offset, a negative count and an overflowing end with an
// ArgumentOutOfRangeException naming the right parameter and quoting the value.

using Quire.Internal;

namespace Quire.Tests.Internal;

public sealed class ThrowHelperTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, long.MaxValue)]
    [InlineData(long.MaxValue, 0)]
    [InlineData(long.MaxValue - 10, 10)]
    public void RangesEndingAtOrBeforeTheLargestOffsetAreAccepted(long fileOffset, long byteCount)
    {
        ThrowHelper.ValidateRange(fileOffset, byteCount);
    }

    [Theory]
    [InlineData(-1, 0, "fileOffset")]
    [InlineData(long.MinValue, 5, "fileOffset")]
    [InlineData(0, -1, "byteCount")]
    [InlineData(long.MaxValue, 1, "byteCount")]
    [InlineData(long.MaxValue - 10, 11, "byteCount")]
    [InlineData(1, long.MaxValue, "byteCount")]
    public void BadRangesNameTheParameter(long fileOffset, long byteCount, string paramName)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ThrowHelper.ValidateRange(fileOffset, byteCount));

        Assert.Equal(paramName, error.ParamName);
    }

    [Fact]
    public void CustomParameterNamesAreUsed()
    {
        var offset = Assert.Throws<ArgumentOutOfRangeException>(() => ThrowHelper.ValidateRange(-3, 1, "where", "buffer"));
        var count = Assert.Throws<ArgumentOutOfRangeException>(() => ThrowHelper.ValidateRange(5, long.MaxValue, "where", "buffer"));

        Assert.Equal("where", offset.ParamName);
        Assert.Equal(-3L, offset.ActualValue);
        Assert.Equal("buffer", count.ParamName);
        Assert.Contains("-3", offset.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotWritableIsNotSupportedAndNamesTheFile()
    {
        var error = Assert.Throws<NotSupportedException>(() => ThrowHelper.ThrowNotWritable("a.bin"));

        Assert.Contains("a.bin", error.Message, StringComparison.Ordinal);
    }
}
