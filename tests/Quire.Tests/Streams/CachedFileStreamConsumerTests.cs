// Proves CachedFileStream works under the Stream consumers .NET programs use: each test writes
// through a real consumer (ZipArchive, GZipStream, System.Text.Json, StreamWriter, CopyToAsync)
// into a real file opened through a small cache, disposes everything, then reads the file back
// both through a new cache and from disk with FileStream, and compares with what was written.

using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Streams;

public sealed class CachedFileStreamConsumerTests
{
    private const int FrameCount = 32; // 128 KiB: every file below is several times the pool

    [Fact]
    public void ZipArchiveEntriesRoundTrip()
    {
        using var directory = new TempDirectory();
        string path = directory.File("archive.zip");
        Dictionary<string, byte[]> entries = Enumerable.Range(0, 6)
            .ToDictionary(i => $"dir/entry-{i}.bin", i => BytePatterns.Create(20_000 * (i + 1), i));
        using (PageCache cache = QuietCaches.Create(FrameCount))
        using (var archive = new ZipArchive(cache.Open(path).AsStream(), ZipArchiveMode.Create))
        {
            foreach ((string name, byte[] content) in entries)
            {
                using Stream entry = archive.CreateEntry(name, CompressionLevel.Fastest).Open();
                entry.Write(content);
            }
        }

        using (PageCache cache = QuietCaches.Create(FrameCount))
        using (var archive = new ZipArchive(cache.Open(path, FileMode.Open, FileAccess.Read).AsStream(), ZipArchiveMode.Read))
        {
            Assert.Equal(entries.Keys.Order(), archive.Entries.Select(e => e.FullName).Order());
            foreach (ZipArchiveEntry entry in archive.Entries)
            {
                Assert.Equal(entries[entry.FullName], ReadAll(entry.Open()));
            }
        }

        using var fromDisk = ZipFile.OpenRead(path);
        Assert.Equal(entries["dir/entry-5.bin"], ReadAll(fromDisk.GetEntry("dir/entry-5.bin")!.Open()));
    }

    [Fact]
    public void ZipArchiveUpdateModeRewritesTheArchiveInPlace()
    {
        using var directory = new TempDirectory();
        string path = directory.File("update.zip");
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using Stream entry = archive.CreateEntry("old.txt").Open();
            entry.Write(BytePatterns.Create(50_000, 1));
        }

        using (PageCache cache = QuietCaches.Create(FrameCount))
        using (var archive = new ZipArchive(cache.Open(path).AsStream(), ZipArchiveMode.Update))
        {
            archive.GetEntry("old.txt")!.Delete();
            using Stream entry = archive.CreateEntry("new.txt").Open();
            entry.Write(BytePatterns.Create(70_000, 2));
        }

        using var fromDisk = ZipFile.OpenRead(path);
        Assert.Equal(["new.txt"], fromDisk.Entries.Select(e => e.FullName));
        Assert.Equal(BytePatterns.Create(70_000, 2), ReadAll(fromDisk.Entries[0].Open()));
    }

    [Fact]
    public async Task GZipStreamRoundTrips()
    {
        using var directory = new TempDirectory();
        string path = directory.File("data.gz");
        var random = new SeededRandom(5);
        byte[] content = new byte[600_000];
        random.Fill(content.AsSpan(0, 300_000)); // half incompressible, half a pattern
        BytePatterns.Create(300_000, 3).CopyTo(content, 300_000);
        using (PageCache cache = QuietCaches.Create(FrameCount))
        {
            await using var gzip = new GZipStream(cache.Open(path).AsStream(), CompressionLevel.Optimal);
            await gzip.WriteAsync(content);
        }

        using (PageCache cache = QuietCaches.Create(FrameCount))
        {
            await using var gzip = new GZipStream(cache.Open(path, FileMode.Open, FileAccess.Read).AsStream(), CompressionMode.Decompress);
            var decompressed = new MemoryStream();
            await gzip.CopyToAsync(decompressed);
            Assert.Equal(content, decompressed.ToArray());
        }

        using var fromDisk = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Assert.Equal(content, ReadAll(fromDisk));
    }

    [Fact]
    public async Task SystemTextJsonSerializesAndDeserializes()
    {
        using var directory = new TempDirectory();
        string path = directory.File("orders.json");
        Order[] orders = [.. Enumerable.Range(0, 5_000).Select(i => new Order(i, $"customer {i % 97}", i * 1.25m, [$"sku-{i}", $"sku-{i + 1}"]))];
        using (PageCache cache = QuietCaches.Create(FrameCount))
        {
            await using CachedFileStream stream = cache.Open(path, FileMode.Create).AsStream();
            await JsonSerializer.SerializeAsync(stream, orders);
            Assert.True(stream.Length > FrameCount * QuietCaches.PageSize, $"The document of {stream.Length} bytes should be larger than the pool.");
        }

        using (PageCache cache = QuietCaches.Create(FrameCount))
        {
            await using CachedFileStream stream = cache.Open(path, FileMode.Open, FileAccess.Read).AsStream();
            Order[]? read = await JsonSerializer.DeserializeAsync<Order[]>(stream);
            Assert.Equal(orders, read, OrderComparer.Instance);
        }

        using FileStream fromDisk = File.OpenRead(path);
        Assert.Equal(orders, JsonSerializer.Deserialize<Order[]>(fromDisk), OrderComparer.Instance);
    }

    [Fact]
    public async Task StreamWriterAndStreamReaderRoundTripText()
    {
        using var directory = new TempDirectory();
        string path = directory.File("lines.txt");
        string[] lines = [.. Enumerable.Range(0, 20_000).Select(i => $"line {i}: naïve café 東京 {new string('x', i % 40)}")];
        using (PageCache cache = QuietCaches.Create(FrameCount))
        {
            await using var writer = new StreamWriter(cache.Open(path).AsStream(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            foreach (string line in lines)
            {
                await writer.WriteLineAsync(line);
            }
        }

        using (PageCache cache = QuietCaches.Create(FrameCount))
        {
            using var reader = new StreamReader(cache.Open(path, FileMode.Open, FileAccess.Read).AsStream(), Encoding.UTF8);
            var read = new List<string>();
            while (await reader.ReadLineAsync() is { } line)
            {
                read.Add(line);
            }

            Assert.Equal(lines, read);
        }

        Assert.Equal(lines, File.ReadAllLines(path));
    }

    [Fact]
    public async Task CopyToAsyncOfAFileManyTimesThePoolIsExact()
    {
        using var directory = new TempDirectory();
        string source = directory.File("source.bin");
        string copy = directory.File("copy.bin");
        int byteCount = (16 * FrameCount * QuietCaches.PageSize) + 1_234; // 16 pools and a partial page
        var content = new byte[byteCount];
        new SeededRandom(11).Fill(content);
        await File.WriteAllBytesAsync(source, content);

        using (PageCache cache = QuietCaches.Create(FrameCount))
        {
            await using (CachedFileStream from = cache.Open(source, FileMode.Open, FileAccess.Read).AsStream())
            await using (CachedFileStream to = cache.Open(copy, FileMode.CreateNew).AsStream())
            {
                await from.CopyToAsync(to);
                await to.FlushAsync();
                Assert.Equal(byteCount, to.Position);
            }

            await using CachedFileStream check = cache.Open(copy, FileMode.Open, FileAccess.Read).AsStream();
            var roundTrip = new MemoryStream();
            await check.CopyToAsync(roundTrip, bufferSize: 100_000);
            Assert.True(content.AsSpan().SequenceEqual(roundTrip.ToArray()), "The copy read back through the cache differs from the source.");
        }

        byte[] onDisk = await File.ReadAllBytesAsync(copy);
        Assert.True(content.AsSpan().SequenceEqual(onDisk), "The copy on disk differs from the source.");
    }

    private static byte[] ReadAll(Stream stream)
    {
        using (stream)
        {
            var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
    }

    public sealed record Order(int Id, string Customer, decimal Total, string[] Skus);

    private sealed class OrderComparer : IEqualityComparer<Order>
    {
        public static readonly OrderComparer Instance = new();

        public bool Equals(Order? x, Order? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Customer == y.Customer && x.Total == y.Total && x.Skus.SequenceEqual(y.Skus);

        public int GetHashCode(Order obj) => obj.Id;
    }
}
