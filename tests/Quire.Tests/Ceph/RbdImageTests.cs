// Proves RbdImage, the plain librbd image the bench's baselines use, against a real one-node
// cluster: bytes written read back with and without librbd's own cache, a flush through the
// cache makes them visible to another connection, a read-only image refuses writes, and a
// connection with librbd's cache on cannot open an image as a backing store (a second cache under
// Quire's). Skipped where Ceph is not installed.

using Quire.Ceph;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Ceph;

[Collection("Ceph")]
public sealed class RbdImageTests(CephClusterFixture cluster)
{
    [CephFact]
    public void BytesWrittenReadBackWithAndWithoutLibrbdsCache()
    {
        using CephCluster plain = cluster.Connect();
        string name = CephClusterFixture.NewImageName("raw");
        plain.CreateImage("rbd", name, 1 << 20);
        byte[] data = BytePatterns.Create(10_000, 7);
        using (CephCluster cached = CephCluster.Connect(new CephConnectionOptions
        {
            ConfigurationFile = cluster.ConfigurationFile,
            OperationTimeout = CephClusterFixture.OperationTimeout,
            LibrbdCacheBytes = 4 << 20,
        }))
        using (RbdImage image = cached.OpenRawImage("rbd", name))
        {
            Assert.Equal(1 << 20, image.Length);
            image.Write(4096, data);
            byte[] back = new byte[data.Length];
            Assert.Equal(data.Length, image.Read(4096, back));
            Assert.Equal(data, back);
            image.Flush();
        }

        using (RbdImage reader = plain.OpenRawImage("rbd", name, FileAccess.Read))
        {
            byte[] back = new byte[data.Length];
            Assert.Equal(data.Length, reader.Read(4096, back));
            Assert.Equal(data, back);
            Assert.Equal(0, reader.Read(1 << 20, back)); // at the end: nothing
            Assert.Equal(100, reader.Read((1 << 20) - 100, back)); // across the end: what there is
            Assert.Throws<NotSupportedException>(() => reader.Write(0, data));
        }

        plain.RemoveImage("rbd", name);
    }

    [CephFact]
    public void AConnectionWithLibrbdsCacheCannotOpenABackingStore()
    {
        using CephCluster cached = CephCluster.Connect(new CephConnectionOptions
        {
            ConfigurationFile = cluster.ConfigurationFile,
            OperationTimeout = CephClusterFixture.OperationTimeout,
            LibrbdCacheBytes = 1 << 20,
        });
        string name = CephClusterFixture.NewImageName("nocache");
        cached.CreateImage("rbd", name, 1 << 20);

        InvalidOperationException refused = Assert.Throws<InvalidOperationException>(() => cached.OpenImage("rbd", name));

        Assert.Contains("LibrbdCacheBytes", refused.Message, StringComparison.Ordinal);
        cached.RemoveImage("rbd", name);
    }

    [CephFact]
    public void AMissingImageIsNotFound()
    {
        using CephCluster connection = cluster.Connect();

        Assert.Throws<FileNotFoundException>(() => connection.OpenRawImage("rbd", CephClusterFixture.NewImageName("missing")));
    }
}
