// Proves the Ceph options and error mapping without a cluster: bad options are refused with
// the option named, and a negative errno becomes the exception a local file would give, with the
// errno as HResult, so the cache classifies RBD failures as it classifies a disk's.

using Quire.Ceph;
using Quire.Ceph.Interop;
using Quire.Internal;

namespace Quire.Tests.Ceph;

public sealed class CephOptionsTests
{
    [Fact]
    public void BadConnectionOptionsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CephConnectionOptions { OperationTimeout = TimeSpan.FromMilliseconds(10) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new CephConnectionOptions { ConnectTimeout = TimeSpan.Zero });
        Assert.Throws<ArgumentException>(() => new CephConnectionOptions { ClientId = " " });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RbdImageOptions { MaxWritesInFlight = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RbdImageOptions { MaxWritesInFlight = 65 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new CephConnectionOptions { LibrbdCacheBytes = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new CephConnectionOptions { LibrbdCacheBytes = (64L << 30) + 1 });
    }

    [Fact]
    public void AMissingConfigurationFileIsNamed()
    {
        FileNotFoundException missing = Assert.Throws<FileNotFoundException>(() => CephCluster.Connect(new CephConnectionOptions { ConfigurationFile = "/nonexistent/ceph.conf" }));
        Assert.Contains("/nonexistent/ceph.conf", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-CephErrors.ENOSPC, IOErrorKind.NoSpace)]
    [InlineData(-CephErrors.EDQUOT, IOErrorKind.QuotaExceeded)]
    [InlineData(-CephErrors.EIO, IOErrorKind.IOError)]
    [InlineData(-CephErrors.ETIMEDOUT, IOErrorKind.IOError)]
    public void ErrnoValuesClassifyAsTheyDoForFiles(int result, IOErrorKind kind)
    {
        Exception exception = CephErrors.ToException(result, "write", "rbd:pool/image");

        Assert.IsType<IOException>(exception);
        Assert.Equal(-result, exception.HResult);
        Assert.Equal(kind, IOErrorKinds.Classify(exception));
        Assert.Contains("rbd:pool/image", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotFoundAndPermissionErrorsHaveTheirFileExceptionTypes()
    {
        Assert.IsType<FileNotFoundException>(CephErrors.ToException(-CephErrors.ENOENT, "open image", "rbd:p/i"));
        Assert.IsType<UnauthorizedAccessException>(CephErrors.ToException(-CephErrors.EACCES, "open image", "rbd:p/i"));
        Assert.IsType<UnauthorizedAccessException>(CephErrors.ToException(-CephErrors.EPERM, "open image", "rbd:p/i"));
        Assert.Contains("did not answer in time", CephErrors.ToException(-CephErrors.ETIMEDOUT, "flush", "rbd:p/i").Message, StringComparison.Ordinal);
    }
}
