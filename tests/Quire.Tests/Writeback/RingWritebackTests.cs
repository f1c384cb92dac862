// Proves writeback through io_uring (a cache with direct I/O on a kernel that offers it) against
// a plain byte array: whole pages in runs of every length, pages written in pieces and the page at
// end of file (written the synchronous way) all land where they belong, through flushes and the
// page writer alike; and a write the device refuses (a full tmpfs) is reported by the flush as the
// synchronous path reports it, with the data kept dirty until the caller gives it up.

using Quire.Paging;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Writeback;

[Collection("Writeback")]
public sealed class RingWritebackTests
{
    private const int PageSize = 4096;

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public void RandomWritesThroughTheRingLandAsAPlainArrayHasThem(int seed, bool pageWriter)
    {
        Assert.True(IoUring.IsSupported, "io_uring is enabled on this machine (kernel.io_uring_disabled = 0).");
        Console.WriteLine($"RingWritebackTests seed {seed}");
        using var directory = new TempDirectory();
        string path = directory.File("ring");
        const int filePages = 256;
        var model = new byte[(filePages * PageSize) - 1000]; // the last page is cut by end of file
        var random = new SeededRandom((ulong)seed);
        using (var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 64 * PageSize, UseDirectIO = true, MaxClusterBytes = 16 * PageSize, StartPageWriter = pageWriter }))
        {
            using CachedFile file = cache.Open(path, FileMode.Create);
            file.SetLength(model.Length);
            for (int i = 0; i < 400; i++)
            {
                int offset;
                int length;
                switch (random.Next(3))
                {
                    case 0: // whole pages, a run of up to 20
                        offset = random.Next(filePages - 1) * PageSize;
                        length = Math.Min((1 + random.Next(20)) * PageSize, model.Length - offset);
                        break;
                    case 1: // a piece of a page
                        offset = random.Next(model.Length - 1);
                        length = 1 + random.Next(Math.Min(PageSize, model.Length - offset));
                        break;
                    default: // the end of the file
                        length = 1 + random.Next(PageSize);
                        offset = model.Length - length;
                        break;
                }

                byte[] data = BytePatterns.Create(length, (seed * 1000) + i);
                file.Write(offset, data);
                data.CopyTo(model, offset);
                if (random.Next(25) == 0)
                {
                    file.Flush();
                    Assert.Equal(model, RawFile.ReadAllBytes(path));
                }
            }

            file.Flush();
            Assert.True(cache.GetStatistics().WriteIos > 0);
        }

        Assert.Equal(model, RawFile.ReadAllBytes(path));
    }

    [RootFact]
    public void AFullDeviceIsReportedByTheFlushAndTheDataKeptUntilGivenUp()
    {
        Assert.True(IoUring.IsSupported, "io_uring is enabled on this machine (kernel.io_uring_disabled = 0).");
        using var directory = new TempDirectory();
        string mount = Directory.CreateDirectory(directory.File("tmpfs")).FullName;
        Assert.Equal(0, Commands.Run("mount", $"-t tmpfs -o size=1m tmpfs {mount}"));
        try
        {
            string path = Path.Combine(mount, "full");
            using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 4096 * PageSize, UseDirectIO = true }); // 2 MiB stays below freerun: no throttling
            using CachedFile file = cache.Open(path, FileMode.Create);
            byte[] data = BytePatterns.Create(2 << 20, 5); // twice what the file system holds
            file.Write(0, data);

            var failed = Assert.Throws<WritebackFailedException>(file.Flush);
            Assert.Equal(IOErrorKind.NoSpace, failed.ErrorKind);
            Assert.True(cache.GetStatistics().DirtyPages > 0, "What could not be written is kept dirty.");
            var back = new byte[data.Length];
            Assert.Equal(data.Length, file.Read(0, back));
            Assert.Equal(data, back); // nothing lost in the cache

            file.SetLength(512 * 1024); // the way out: give up what does not fit
            file.Flush();
            Assert.Equal(0, cache.GetStatistics().NotDurablePages);
            Assert.Equal(data.AsSpan(0, 512 * 1024).ToArray(), RawFile.ReadAllBytes(path));
        }
        finally
        {
            Commands.Run("umount", $"-l {mount}");
        }
    }
}
