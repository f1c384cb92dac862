// Proves the stream's own buffer (AsStream(bufferSize:)) changes nothing a caller can see through
// the stream: seeded sequences of reads, writes, single bytes, seeks, lengths, flushes and their
// asynchronous forms match a MemoryStream for buffers smaller than, equal to and larger than the
// pieces written; and it proves when buffered bytes reach the cache (and the file's other handles):
// when the buffer fills, on a seek, a read, SetLength, a flush and disposal, never before.

using Quire.Tests.Infrastructure;

namespace Quire.Tests.Streams;

public sealed class BufferedStreamTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Theory]
    [InlineData(2)]
    [InlineData(100)]
    [InlineData(PageSize)]
    [InlineData(3 * PageSize)]
    public async Task ABufferedStreamMatchesAMemoryStream(int bufferSize)
    {
        for (ulong seed = 1; seed <= 6; seed++)
        {
            var random = new SeededRandom(seed);
            using PageCache cache = QuietCaches.Create(frameCount: 32);
            using CachedFile file = cache.Open(new MemoryBackingStore());
            await using CachedFileStream stream = file.AsStream(leaveOpen: true, bufferSize: bufferSize);
            using CachedFileStream other = file.AsStream(leaveOpen: true);
            var model = new MemoryStream();
            var recent = new Queue<string>();
            for (int step = 0; step < 400; step++)
            {
                string what = await StepAsync(random, stream, other, model, bufferSize);
                recent.Enqueue($"{what} -> position {model.Position}, length {model.Length}");
                if (recent.Count > 6)
                {
                    recent.Dequeue();
                }

                string where = $"Buffer {bufferSize}, seed {seed}, step {step} (after {string.Join("; ", recent)})";
                Assert.True(model.Position == stream.Position, $"{where}: position {stream.Position}, expected {model.Position}.");
                Assert.True(model.Length == stream.Length, $"{where}: length {stream.Length}, expected {model.Length}.");
            }

            stream.Flush();
            AssertContent(model.ToArray(), other, $"Buffer {bufferSize}, seed {seed}: after the last flush");
        }
    }

    [Fact]
    public void WrittenBytesReachTheFileWhenTheBufferIsFlushedAndNotBefore()
    {
        using PageCache cache = QuietCaches.Create(frameCount: 16);
        using CachedFile file = cache.Open(new MemoryBackingStore());
        using CachedFileStream stream = file.AsStream(leaveOpen: true, bufferSize: 64);
        using CachedFileStream other = file.AsStream(leaveOpen: true);

        stream.Write([1, 2, 3]);
        stream.WriteByte(4);
        Assert.Equal(4, stream.Length); // the stream counts its buffer
        Assert.Equal(0, file.Length); // the cache has nothing yet

        _ = stream.Seek(0, SeekOrigin.Current); // a seek puts the buffer into the cache, without a durable flush
        Assert.Equal(4, file.Length);
        AssertContent([1, 2, 3, 4], other, "after a seek");

        // Filling the buffer moves its bytes too; a write as large as the buffer goes straight in.
        stream.Write(new byte[63]);
        stream.WriteByte(5);
        Assert.Equal(4, file.Length); // full, not yet written
        stream.WriteByte(6);
        Assert.Equal(68, file.Length);
        stream.Write(new byte[64]); // the byte waiting, then these 64 bytes straight into the cache
        Assert.Equal(133, file.Length);
        Assert.Equal(133, stream.Length);
    }

    [Fact]
    public void AReadSetLengthAndDisposalEachPutTheBufferIntoTheFile()
    {
        using PageCache cache = QuietCaches.Create(frameCount: 16);
        using CachedFile file = cache.Open(new MemoryBackingStore());
        using CachedFileStream other = file.AsStream(leaveOpen: true);
        using (CachedFileStream stream = file.AsStream(leaveOpen: true, bufferSize: 64))
        {
            stream.Write([1, 2]);
            Assert.Equal(0, stream.Read(new byte[4])); // at the end: nothing to read, but the write reached the file
            Assert.Equal(2, file.Length);

            stream.Write([3, 4]);
            stream.SetLength(3);
            AssertContent([1, 2, 3], other, "after SetLength");

            stream.Position = 3;
            stream.Write([9]);
        }

        AssertContent([1, 2, 3, 9], other, "after disposal");
    }

    [Fact]
    public void AReadBufferIsRefilledFromTheCacheOnceThePositionLeavesIt()
    {
        using PageCache cache = QuietCaches.Create(frameCount: 16);
        using CachedFile file = cache.Open(new MemoryBackingStore());
        file.Write(0, new byte[256]);
        using CachedFileStream stream = file.AsStream(leaveOpen: true, bufferSize: 16);

        Assert.Equal(0, stream.ReadByte()); // fills bytes 0-15
        file.Write(8, [7]); // through the handle, into the cache
        file.Write(100, [8]);
        stream.Position = 8;
        Assert.Equal(0, stream.ReadByte()); // still inside the buffer: the copy read before, as FileStream's
        stream.Position = 100;
        Assert.Equal(8, stream.ReadByte()); // outside: refilled from the cache
        stream.Position = 8;
        Assert.Equal(7, stream.ReadByte());
    }

    [Fact]
    public void BinaryWriterAndReaderRoundTripThroughTheBuffer()
    {
        using PageCache cache = QuietCaches.Create(frameCount: 16);
        using CachedFile file = cache.Open(new MemoryBackingStore());
        using (var writer = new BinaryWriter(file.AsStream(leaveOpen: true, bufferSize: 4096)))
        {
            for (int i = 0; i < 10_000; i++)
            {
                writer.Write(i);
                writer.Write((long)i * 3);
                writer.Write((byte)i);
            }
        }

        using var reader = new BinaryReader(file.AsStream(leaveOpen: true, bufferSize: 4096));
        for (int i = 0; i < 10_000; i++)
        {
            Assert.Equal(i, reader.ReadInt32());
            Assert.Equal((long)i * 3, reader.ReadInt64());
            Assert.Equal((byte)i, reader.ReadByte());
        }

        Assert.Equal(-1, reader.PeekChar());
    }

    [Fact]
    public void DisposingAStreamWhoseHandleIsClosedWithBytesBufferedSaysSoInsteadOfDroppingThem()
    {
        using PageCache cache = QuietCaches.Create(frameCount: 16);
        CachedFile file = cache.Open(new MemoryBackingStore());
        CachedFileStream stream = file.AsStream(leaveOpen: true, bufferSize: 64);
        stream.Write([1, 2, 3]);
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(stream.Dispose);
        stream.Dispose(); // once only
    }

    [Fact]
    public void ANegativeBufferSizeIsRefusedAndZeroOrOneMeanNone()
    {
        using PageCache cache = QuietCaches.Create(frameCount: 16);
        using CachedFile file = cache.Open(new MemoryBackingStore());

        Assert.Throws<ArgumentOutOfRangeException>(() => file.AsStream(bufferSize: -1));
        Assert.Equal(0, file.AsStream(leaveOpen: true, bufferSize: 1).BufferSize);
        Assert.Equal(0, file.AsStream(leaveOpen: true).BufferSize);
        Assert.Equal(4096, file.AsStream(leaveOpen: true, bufferSize: 4096).BufferSize);
    }

    /// <summary>One random operation applied to the buffered stream and the model; returns its description.</summary>
    private static async Task<string> StepAsync(SeededRandom random, CachedFileStream stream, CachedFileStream other, MemoryStream model, int bufferSize)
    {
        const int MaxLength = 6 * PageSize;
        int pieces = Math.Max(4, 2 * bufferSize);
        switch (random.Next(10))
        {
            case 0:
            case 1:
                byte[] data = BytePatterns.Create(random.Next(pieces), random.Next(1_000));
                if (stream.Position + data.Length > MaxLength)
                {
                    return "skipped write";
                }

                if (random.Next(2) == 0)
                {
                    stream.Write(data);
                }
                else
                {
                    await stream.WriteAsync(data);
                }

                if (data.Length > 0)
                {
                    model.Write(data); // a MemoryStream extends itself to the position even for no bytes; a file does not
                }

                return $"write {data.Length}";
            case 2:
                if (stream.Position >= MaxLength)
                {
                    return "skipped write of a byte";
                }

                byte value = (byte)random.Next(256);
                stream.WriteByte(value);
                model.WriteByte(value);
                return "write a byte";
            case 3:
                int count = random.Next(pieces);
                var actual = new byte[count];
                bool asynchronous = random.Next(2) == 0;
                int read = asynchronous ? await stream.ReadAsync(actual) : stream.Read(actual);
                var expected = new byte[count];
                int modelRead = model.Read(expected, 0, asynchronous ? read : count); // an asynchronous read may stop at the buffer's end
                Assert.True(modelRead == read, $"read {read} of {count} bytes, expected {modelRead}");
                Assert.True(!asynchronous || read > 0 || count == 0 || model.Position >= model.Length, $"an asynchronous read of {count} returned nothing before the end");
                Assert.True(expected.AsSpan(0, read).SequenceEqual(actual.AsSpan(0, read)), $"a read of {count} at {stream.Position - read} differs");
                return $"{(asynchronous ? "async " : string.Empty)}read {count}";
            case 4:
                Assert.Equal(model.ReadByte(), stream.ReadByte());
                return "read a byte";
            case 5:
                var origin = (SeekOrigin)random.Next(3);
                long basis = origin switch { SeekOrigin.Begin => 0, SeekOrigin.Current => model.Position, _ => model.Length };
                long offset = random.Next(-basis, MaxLength - basis);
                Assert.Equal(model.Seek(offset, origin), stream.Seek(offset, origin));
                return $"seek {offset} from {origin}";
            case 6:
                int length = random.Next(MaxLength);
                stream.SetLength(length);
                model.SetLength(length);
                return $"set length {length}";
            case 7:
                long near = Math.Clamp(model.Position + random.Next(-bufferSize, bufferSize + 1), 0, MaxLength);
                stream.Position = near;
                model.Position = near;
                return $"position {near}";
            case 8:
                if (random.Next(2) == 0)
                {
                    stream.Flush();
                }
                else
                {
                    await stream.FlushAsync();
                }

                AssertContent(model.ToArray(), other, "after a flush");
                return "flush";
            default:
                Assert.Equal(model.Length, stream.Length);
                return "length";
        }
    }

    private static void AssertContent(byte[] expected, CachedFileStream other, string when)
    {
        other.Position = 0;
        var all = new MemoryStream();
        other.CopyTo(all);
        Assert.True(expected.AsSpan().SequenceEqual(all.ToArray()), $"{when}: the file holds {all.Length} bytes that differ from the model's {expected.Length}.");
    }
}
