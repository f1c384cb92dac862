// Proves the RBD backing store against a real one-node cluster: data written through a cache
// lands in the image and reads back, writes past the end grow the image and SetLength cuts it,
// a second writer is refused by the image's exclusive lock while readers are not, the seeded
// differential test of the core holds over RBD images, and an OSD that stops answering makes
// flushes fail within the operation timeout with nothing lost: when it answers again the data
// lands and the image holds the model's bytes. Skipped where Ceph is not installed.

using Quire.Ceph;
using Quire.Tests.Infrastructure;
using Quire.Tests.Simulation;
using Xunit.Abstractions;

namespace Quire.Tests.Ceph;

[Collection("Ceph")]
public sealed class RbdBackingStoreTests(CephClusterFixture cluster, ITestOutputHelper output)
{
    private const int PageSize = 4096;

    [CephFact]
    public void DataWrittenThroughACacheLandsInTheImage()
    {
        using CephCluster connection = cluster.Connect();
        string image = CephClusterFixture.NewImageName("land");
        connection.CreateImage("rbd", image, 0);
        byte[] first = BytePatterns.Create(3 * PageSize + 100, 1);
        byte[] second = BytePatterns.Create(5000, 2);
        using (var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 64 * PageSize }))
        {
            using CachedFile file = cache.Open(connection.OpenImage("rbd", image));
            file.Write(0, first);
            file.Write(1 << 20, second); // past the end: the image grows, the gap reads as zeros
            file.Flush();
            Assert.Equal((1 << 20) + second.Length, file.Length);
        }

        using RbdBackingStore reader = connection.OpenImage("rbd", image, FileAccess.Read);
        byte[] content = ReadAll(reader);
        Assert.Equal((1 << 20) + second.Length, content.Length);
        Assert.Equal(first, content[..first.Length]);
        Assert.All(content[first.Length..(1 << 20)], b => Assert.Equal(0, b));
        Assert.Equal(second, content[(1 << 20)..]);
    }

    [CephFact]
    public void SetLengthCutsAndExtendsTheImage()
    {
        using CephCluster connection = cluster.Connect();
        string image = CephClusterFixture.NewImageName("length");
        connection.CreateImage("rbd", image, 0);
        using (var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 64 * PageSize }))
        {
            using CachedFile file = cache.Open(connection.OpenImage("rbd", image));
            file.Write(0, BytePatterns.Create(10 * PageSize, 3));
            file.Flush();
            file.SetLength(2 * PageSize + 7);
            file.SetLength(4 * PageSize);
            file.Flush();
        }

        using RbdBackingStore reader = connection.OpenImage("rbd", image, FileAccess.Read);
        byte[] content = ReadAll(reader);
        Assert.Equal(4 * PageSize, content.Length);
        Assert.Equal(BytePatterns.Create(10 * PageSize, 3)[..(2 * PageSize + 7)], content[..(2 * PageSize + 7)]);
        Assert.All(content[(2 * PageSize + 7)..], b => Assert.Equal(0, b));
    }

    [CephFact]
    public void ASecondWriterIsRefusedAndReadersAreNot()
    {
        using CephCluster first = cluster.Connect();
        using CephCluster second = cluster.Connect();
        string image = CephClusterFixture.NewImageName("lock");
        first.CreateImage("rbd", image, 1 << 20);
        using RbdBackingStore writer = first.OpenImage("rbd", image);

        IOException refused = Assert.Throws<IOException>(() => second.OpenImage("rbd", image).Dispose());

        Assert.Equal(16, refused.HResult); // EBUSY
        Assert.Contains("another client", refused.Message, StringComparison.Ordinal);
        using RbdBackingStore reader = second.OpenImage("rbd", image, FileAccess.Read);
        Assert.Equal(1 << 20, reader.GetLength());
        writer.Dispose();
        using RbdBackingStore next = second.OpenImage("rbd", image); // the lock went with the first writer
        Assert.True(next.CanWrite);
    }

    [CephFact]
    public void MissingImagesAndPoolsAreNotFound()
    {
        using CephCluster connection = cluster.Connect();

        Assert.Throws<FileNotFoundException>(() => connection.OpenImage("rbd", "no-such-image"));
        Assert.Throws<FileNotFoundException>(() => connection.OpenImage("no-such-pool", "image"));
    }

    [CephFact]
    public void RandomOperationsOverRbdImagesMatchTheModel()
    {
        using CephCluster connection = cluster.Connect();
        var differential = new DifferentialTests(output);
        foreach (ulong seed in DifferentialTests.Seeds().Take(2))
        {
            int index = 0;
            differential.Run(seed, PageSize, 24, 300, cache =>
            {
                string image = CephClusterFixture.NewImageName($"diff{seed}-{index++}");
                connection.CreateImage("rbd", image, 0);
                RbdBackingStore store = connection.OpenImage("rbd", image); // one writer: handles share it
                return (
                    cache.Open(store),
                    () => cache.Open(store),
                    () =>
                    {
                        using RbdBackingStore reader = connection.OpenImage("rbd", image, FileAccess.Read);
                        return ReadAll(reader);
                    }
                );
            });
        }
    }

    [CephFact]
    public void AnOsdThatStopsAnsweringFailsFlushesInTimeAndLosesNothing()
    {
        using CephCluster connection = cluster.Connect();
        string image = CephClusterFixture.NewImageName("fault");
        connection.CreateImage("rbd", image, 0);
        byte[] before = BytePatterns.Create(64 * PageSize, 4);
        byte[] during = BytePatterns.Create(64 * PageSize, 5);
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 512 * PageSize });
        CachedFile file = cache.Open(connection.OpenImage("rbd", image));
        file.Write(0, before);
        file.Flush();

        cluster.SetOsdRunning(false);
        WritebackFailedException failed;
        int notDurableAfterFailure;
        try
        {
            file.Write(0, during);
            failed = Assert.Throws<WritebackFailedException>(file.Flush);
            notDurableAfterFailure = cache.GetStatistics().NotDurablePages; // before the OSD is back: nothing can have become durable
        }
        finally
        {
            cluster.SetOsdRunning(true);
        }

        // Bounded by the store, not by a clock here: the write fails with the operation timeout's
        // own error, and the flush reports it.
        Assert.Equal(110, failed.InnerException?.HResult); // ETIMEDOUT
        Assert.True(notDurableAfterFailure > 0, "the data that could not be written is kept, dirty or written again but not durable");

        file.Flush(); // the OSD answers again: the data lands
        file.Dispose();
        using RbdBackingStore reader = connection.OpenImage("rbd", image, FileAccess.Read);
        Assert.Equal(during, ReadAll(reader));
    }

    private static byte[] ReadAll(RbdBackingStore store)
    {
        byte[] content = new byte[store.GetLength()];
        int read = store.Read([content], 0);
        Assert.Equal(content.Length, read);
        return content;
    }
}
