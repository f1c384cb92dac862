// Proves a store failure's errno (its HResult, as .NET keeps it) maps to the portable error kind.

using Quire.Internal;

namespace Quire.Tests.Internal;

public sealed class IOErrorKindsTests
{
    [Theory]
    [InlineData(28, IOErrorKind.NoSpace)]
    [InlineData(122, IOErrorKind.QuotaExceeded)]
    [InlineData(27, IOErrorKind.TooLarge)]
    [InlineData(5, IOErrorKind.IOError)]
    [InlineData(0, IOErrorKind.IOError)]
    public void ErrnoMapsToItsKind(int errno, IOErrorKind kind)
    {
        Assert.Equal(kind, IOErrorKinds.Classify(new IOException("failure", errno)));
    }

    [Fact]
    public void NoExceptionIsAnIOError()
    {
        Assert.Equal(IOErrorKind.IOError, IOErrorKinds.Classify(null));
    }
}
