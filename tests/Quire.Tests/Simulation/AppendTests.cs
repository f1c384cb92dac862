// Proves an appending writer loses nothing end to end: a file several times the pool is written
// sequentially through a real file with the page writer and its sync thread running, flushed and
// closed, and then every 8-byte word on disk is checked against the value written there. This is
// the workload where writeback, durable flushes and reclaim overlap the most.

using Quire.Tests.Infrastructure;

namespace Quire.Tests.Simulation;

[Collection("Writeback")]
public sealed class AppendTests
{
    [Theory]
    [InlineData(64 * 1024)]
    [InlineData(4096 + 512)]
    public void SequentialAppendsOfFourTimesThePoolAllLandOnDisk(int chunkBytes)
    {
        const long poolBytes = 16L << 20;
        const long fileBytes = 4 * poolBytes;
        using var directory = new TempDirectory();
        for (int round = 0; round < 3; round++)
        {
            string path = directory.File($"append-{round}");
            using (var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = poolBytes }))
            {
                using CachedFile file = cache.Open(path, FileMode.Create);
                var chunk = new byte[chunkBytes];
                for (long offset = 0; offset < fileBytes; offset += chunk.Length)
                {
                    int length = (int)Math.Min(chunk.Length, fileBytes - offset);
                    Fill(chunk.AsSpan(0, length), offset);
                    file.Write(offset, chunk.AsSpan(0, length));
                }

                file.Flush();
            }

            byte[] disk = RawFile.ReadAllBytes(path);
            Assert.Equal(fileBytes, disk.Length);
            var expected = new byte[disk.Length];
            Fill(expected, 0);
            int same = expected.AsSpan().CommonPrefixLength(disk);
            Assert.True(same == disk.Length, $"Round {round}: byte {same} on disk differs from what was written.");
        }
    }

    /// <summary>
    /// Fills with each 8-byte word's own file offset (mixed with a constant), so every word of the
    /// file differs from every other and a lost or misplaced page shows wherever it lands.
    /// </summary>
    private static void Fill(Span<byte> buffer, long fileOffset)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            long position = fileOffset + i;
            long word = (position & ~7L) ^ 0x5DEECE66DL;
            buffer[i] = (byte)(word >> (int)((position & 7) * 8));
        }
    }
}
