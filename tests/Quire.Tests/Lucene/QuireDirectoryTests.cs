// Proves QuireDirectory keeps Lucene's Directory contract: the cases of Lucene's
// BaseDirectoryTestCase, rewritten for Lucene.Net 4.8's API (its test framework is not a package
// here), each writing through an IndexOutput and reading back through an IndexInput, a clone or a
// slice, and comparing with the values written; plus what this directory adds: Sync is durable
// and creates no file, a deleted file's pages are dropped unwritten, write.lock is an OS lock.

using Lucene.Net.Store;
using Quire.Lucene;
using Quire.Tests.Infrastructure;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace Quire.Tests.Lucene;

public sealed class QuireDirectoryTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly PageCache _cache = QuietCaches.Create(frameCount: 256);
    private readonly QuireDirectory _directory;

    public QuireDirectoryTests() => _directory = new QuireDirectory(_cache, _temp.File("index"));

    public void Dispose()
    {
        _directory.Dispose();
        _cache.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void BytesShortsIntsAndLongsReadBackAsWritten()
    {
        using (IndexOutput output = _directory.CreateOutput("numbers", IOContext.DEFAULT))
        {
            output.WriteByte(128);
            output.WriteInt16(-2);
            output.WriteInt32(-3);
            output.WriteInt64(long.MinValue + 5);
            output.WriteInt16(short.MaxValue);
            output.WriteInt32(int.MaxValue);
            output.WriteInt64(long.MaxValue);
        }

        using IndexInput input = _directory.OpenInput("numbers", IOContext.DEFAULT);
        Assert.Equal(1 + 2 + 4 + 8 + 2 + 4 + 8, input.Length);
        Assert.Equal(128, input.ReadByte());
        Assert.Equal(-2, input.ReadInt16());
        Assert.Equal(-3, input.ReadInt32());
        Assert.Equal(long.MinValue + 5, input.ReadInt64());
        Assert.Equal(short.MaxValue, input.ReadInt16());
        Assert.Equal(int.MaxValue, input.ReadInt32());
        Assert.Equal(long.MaxValue, input.ReadInt64());
        Assert.Equal(input.Length, input.Position);
    }

    [Fact]
    public void VariableLengthNumbersStringsSetsAndMapsReadBackAsWritten()
    {
        var set = new HashSet<string> { "a", "bb", "ccc" };
        var map = new Dictionary<string, string> { ["k1"] = "v1", ["k2"] = "" };
        using (IndexOutput output = _directory.CreateOutput("values", IOContext.DEFAULT))
        {
            output.WriteVInt32(0);
            output.WriteVInt32(int.MaxValue);
            output.WriteVInt64(0);
            output.WriteVInt64(long.MaxValue);
            output.WriteString("quire ü 漢字");
            output.WriteStringSet(set);
            output.WriteStringStringMap(map);
        }

        using IndexInput input = _directory.OpenInput("values", IOContext.DEFAULT);
        Assert.Equal(0, input.ReadVInt32());
        Assert.Equal(int.MaxValue, input.ReadVInt32());
        Assert.Equal(0, input.ReadVInt64());
        Assert.Equal(long.MaxValue, input.ReadVInt64());
        Assert.Equal("quire ü 漢字", input.ReadString());
        Assert.Equal(set, input.ReadStringSet());
        Assert.Equal(map, input.ReadStringStringMap());
    }

    [Fact]
    public void RandomValuesAcrossManyPagesReadBackThroughTheInputAndItsClones()
    {
        // Values straddle page boundaries (4 KiB) at every alignment.
        var random = new Random(1);
        long[] values = [.. Enumerable.Range(0, 5_000).Select(_ => random.NextInt64())];
        using (IndexOutput output = _directory.CreateOutput("longs", IOContext.DEFAULT))
        {
            output.WriteByte(1); // misaligns every long that follows
            foreach (long value in values)
            {
                output.WriteInt64(value);
                output.WriteVInt64(value & 0x7FFF_FFFF_FFFF);
            }
        }

        using IndexInput input = _directory.OpenInput("longs", IOContext.DEFAULT);
        var clone = (IndexInput)input.Clone();
        Assert.Equal(1, input.ReadByte());
        foreach (long value in values)
        {
            Assert.Equal(value, input.ReadInt64());
            Assert.Equal(value & 0x7FFF_FFFF_FFFF, input.ReadVInt64());
        }

        Assert.Equal(0, clone.Position);
        Assert.Equal(1, clone.ReadByte());
        Assert.Equal(values[0], clone.ReadInt64());
    }

    [Fact]
    public void ChecksumOfTheOutputIsTheCrc32OfItsBytesAndAChecksumInputAgrees()
    {
        byte[] bytes = BytePatterns.Create(10_000, 2);
        long written;
        using (IndexOutput output = _directory.CreateOutput("checksummed", IOContext.DEFAULT))
        {
            output.WriteBytes(bytes, bytes.Length);
            written = output.Checksum;
        }

        Assert.Equal(Crc32(bytes), written);
        using ChecksumIndexInput input = _directory.OpenChecksumInput("checksummed", IOContext.DEFAULT);
        var back = new byte[bytes.Length];
        input.ReadBytes(back, 0, back.Length);
        Assert.Equal(bytes, back);
        Assert.Equal(written, input.Checksum);
    }

    [Fact]
    public void ListAllShowsCreatedFilesAndNotDeletedOnes()
    {
        foreach (string name in new[] { "a", "b", "c" })
        {
            using IndexOutput output = _directory.CreateOutput(name, IOContext.DEFAULT);
            output.WriteInt32(1);
        }

        _directory.DeleteFile("b");

        Assert.Equal(new[] { "a", "c" }, _directory.ListAll().Order(StringComparer.Ordinal));
        Assert.Equal(4, _directory.FileLength("a"));
        Assert.Throws<FileNotFoundException>(() => _directory.FileLength("b"));
        Assert.Throws<FileNotFoundException>(() => _directory.OpenInput("b", IOContext.DEFAULT));
        Assert.Throws<FileNotFoundException>(() => _directory.DeleteFile("b"));
#pragma warning disable CS0618 // FileExists is obsolete in Lucene 4.8 but still part of the contract
        Assert.True(_directory.FileExists("a"));
        Assert.False(_directory.FileExists("b"));
#pragma warning restore CS0618
    }

    [Fact]
    public void DeletingAWrittenFileDropsItsPagesUnwritten()
    {
        using (IndexOutput output = _directory.CreateOutput("doomed", IOContext.DEFAULT))
        {
            output.WriteBytes(new byte[64 * 1024], 64 * 1024);
        }

        Assert.True(_cache.GetStatistics().DirtyPages >= 16);

        _directory.DeleteFile("doomed");

        PageCacheStatistics after = _cache.GetStatistics();
        Assert.Equal(0, after.DirtyPages);
        Assert.Equal(0, after.PagesWritten);
        Assert.False(File.Exists(Path.Combine(_directory.DirectoryPath, "doomed")));
    }

    [Fact]
    public void AFileDeletedWhileReadStaysReadableUntilItsInputCloses()
    {
        byte[] bytes = BytePatterns.Create(20_000, 3);
        using (IndexOutput output = _directory.CreateOutput("read-while-deleted", IOContext.DEFAULT))
        {
            output.WriteBytes(bytes, bytes.Length);
        }

        using (IndexInput input = _directory.OpenInput("read-while-deleted", IOContext.DEFAULT))
        {
            _directory.DeleteFile("read-while-deleted");
            var back = new byte[bytes.Length];
            input.ReadBytes(back, 0, back.Length);
            Assert.Equal(bytes, back);
        }

        Assert.Equal(0, _cache.GetStatistics().PinnedFrames);
        Assert.Empty(_directory.ListAll());
    }

    [Fact]
    public void CreatingAnExistingFileReplacesIt()
    {
        using (IndexOutput output = _directory.CreateOutput("twice", IOContext.DEFAULT))
        {
            output.WriteInt64(1);
        }

        using (IndexOutput output = _directory.CreateOutput("twice", IOContext.DEFAULT))
        {
            output.WriteInt32(2);
        }

        using IndexInput input = _directory.OpenInput("twice", IOContext.DEFAULT);
        Assert.Equal(4, input.Length);
        Assert.Equal(2, input.ReadInt32());
    }

    [Fact]
    public void SeekToZeroOfAnEmptyFileAndToEndThenBackWork()
    {
        using (_directory.CreateOutput("empty", IOContext.DEFAULT))
        {
        }

        using (IndexOutput output = _directory.CreateOutput("ten", IOContext.DEFAULT))
        {
            output.WriteBytes(BytePatterns.Create(10, 4), 10);
        }

        using IndexInput empty = _directory.OpenInput("empty", IOContext.DEFAULT);
        empty.Seek(0);
        Assert.Equal(0, empty.Length);
        Assert.Throws<EndOfStreamException>(() => empty.ReadByte());

        using IndexInput ten = _directory.OpenInput("ten", IOContext.DEFAULT);
        ten.Seek(10);
        Assert.Equal(10, ten.Position);
        ten.Seek(0);
        Assert.Equal(BytePatterns.Create(10, 4)[0], ten.ReadByte());
    }

    [Fact]
    public void SeekingOrReadingPastTheEndThrowsEndOfStream()
    {
        using (IndexOutput output = _directory.CreateOutput("short", IOContext.DEFAULT))
        {
            output.WriteBytes(new byte[10], 10);
        }

        using IndexInput input = _directory.OpenInput("short", IOContext.DEFAULT);
        Assert.Throws<EndOfStreamException>(() => input.Seek(11));
        input.Seek(6);
        Assert.Throws<EndOfStreamException>(() => input.ReadInt64());
        input.Seek(6);
        Assert.Throws<EndOfStreamException>(() => input.ReadBytes(new byte[5], 0, 5));
    }

    [Fact]
    public void CopyBytesCopiesAnInputRangeIntoAnOutput()
    {
        byte[] bytes = BytePatterns.Create(100_000, 5);
        using (IndexOutput output = _directory.CreateOutput("source", IOContext.DEFAULT))
        {
            output.WriteBytes(bytes, bytes.Length);
        }

        using (IndexInput input = _directory.OpenInput("source", IOContext.DEFAULT))
        using (IndexOutput output = _directory.CreateOutput("copy", IOContext.DEFAULT))
        {
            input.Seek(1234);
            output.CopyBytes(input, 50_000);
        }

        using IndexInput copy = _directory.OpenInput("copy", IOContext.DEFAULT);
        var back = new byte[50_000];
        copy.ReadBytes(back, 0, back.Length);
        Assert.Equal(bytes.AsSpan(1234, 50_000).ToArray(), back);
    }

    [Fact]
    public void ClonesReadOnSeveralThreadsAtOnceSeeTheFilesBytes()
    {
        byte[] bytes = BytePatterns.Create(200_000, 6);
        using (IndexOutput output = _directory.CreateOutput("shared", IOContext.DEFAULT))
        {
            output.WriteBytes(bytes, bytes.Length);
        }

        using IndexInput input = _directory.OpenInput("shared", IOContext.DEFAULT);
        Parallel.For(0, 4, thread =>
        {
            var random = new Random(thread);
            var clone = (IndexInput)input.Clone();
            var back = new byte[3_000];
            for (int i = 0; i < 500; i++)
            {
                int offset = random.Next(bytes.Length - back.Length);
                clone.Seek(offset);
                clone.ReadBytes(back, 0, back.Length);
                Assert.Equal(bytes.AsSpan(offset, back.Length).ToArray(), back);
            }
        });
    }

    [Fact]
    public void CopyFromAnotherDirectoryCopiesTheBytes()
    {
        byte[] bytes = BytePatterns.Create(30_000, 7);
        using var source = new RAMDirectory();
        using (IndexOutput output = source.CreateOutput("from-ram", IOContext.DEFAULT))
        {
            output.WriteBytes(bytes, bytes.Length);
        }

        source.Copy(_directory, "from-ram", "to-quire", IOContext.DEFAULT);
        _directory.Copy(source, "to-quire", "back-to-ram", IOContext.DEFAULT);

        using IndexInput input = source.OpenInput("back-to-ram", IOContext.DEFAULT);
        var back = new byte[bytes.Length];
        input.ReadBytes(back, 0, back.Length);
        Assert.Equal(bytes, back);
    }

    [Fact]
    public void SlicesAndSlicesOfSlicesReadTheirPartOfTheFile()
    {
        byte[] bytes = BytePatterns.Create(50_000, 8);
        using (IndexOutput output = _directory.CreateOutput("compound", IOContext.DEFAULT))
        {
            output.WriteBytes(bytes, bytes.Length);
        }

        using LuceneDirectory.IndexInputSlicer slicer = _directory.CreateSlicer("compound", IOContext.DEFAULT);
        using IndexInput slice = slicer.OpenSlice("part", 4_000, 30_000);
        Assert.Equal(30_000, slice.Length);
        Assert.Equal(bytes[4_000], slice.ReadByte());
        slice.Seek(29_992);
        Assert.Equal(System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(4_000 + 29_992)), slice.ReadInt64());
        Assert.Throws<EndOfStreamException>(() => slice.ReadByte());

        // A slice of a slice, as a compound file inside a compound file would be read.
        using IndexInput inner = slicer.OpenSlice("inner", 4_000 + 10_000, 5_000);
        var back = new byte[5_000];
        inner.ReadBytes(back, 0, back.Length);
        Assert.Equal(bytes.AsSpan(14_000, 5_000).ToArray(), back);
        Assert.Throws<ArgumentException>(() => slicer.OpenSlice("outside", 40_000, 20_000));
    }

    [Fact]
    public void LargeWritesReadBackWhole()
    {
        byte[] bytes = BytePatterns.Create(3 << 20, 9); // larger than the 1 MiB pool
        using (IndexOutput output = _directory.CreateOutput("large", IOContext.DEFAULT))
        {
            output.WriteBytes(bytes, bytes.Length);
            Assert.Equal(bytes.Length, output.Position);
        }

        Assert.Equal(bytes.Length, _directory.FileLength("large"));
        using IndexInput input = _directory.OpenInput("large", IOContext.DEFAULT);
        var back = new byte[bytes.Length];
        input.ReadBytes(back, 0, back.Length);
        Assert.Equal(bytes, back);
    }

    [Fact]
    public void ClosingInputsAndOutputsTwiceIsHarmless()
    {
        IndexOutput output = _directory.CreateOutput("double", IOContext.DEFAULT);
        output.WriteInt32(7);
        output.Dispose();
        output.Dispose();

        IndexInput input = _directory.OpenInput("double", IOContext.DEFAULT);
        Assert.Equal(7, input.ReadInt32());
        input.Dispose();
        input.Dispose();
        Assert.Equal(0, _cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void ADisposedDirectoryRefusesEveryOperationAndItsInputsRefuseToRead()
    {
        using (IndexOutput output = _directory.CreateOutput("closed", IOContext.DEFAULT))
        {
            output.WriteInt64(1);
        }

        IndexInput input = _directory.OpenInput("closed", IOContext.DEFAULT);
        input.ReadInt32();
        _directory.Dispose();

        Assert.Throws<ObjectDisposedException>(() => _directory.ListAll());
        Assert.Throws<ObjectDisposedException>(() => _directory.CreateOutput("x", IOContext.DEFAULT));
        Assert.Throws<ObjectDisposedException>(() => _directory.OpenInput("closed", IOContext.DEFAULT));
        input.Dispose();
        Assert.Equal(0, _cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void SyncMakesTheFilesDurableAndCreatesNoFile()
    {
        using (IndexOutput output = _directory.CreateOutput("durable", IOContext.DEFAULT))
        {
            output.WriteBytes(BytePatterns.Create(10_000, 10), 10_000);
        }

        Assert.NotEqual(0, _cache.GetStatistics().DirtyPages);
        string[] before = _directory.ListAll();

        _directory.Sync(["durable"]);

        PageCacheStatistics after = _cache.GetStatistics();
        Assert.Equal(0, after.DirtyPages);
        Assert.Equal(0, after.UnsyncedPages);
        Assert.Equal(before, _directory.ListAll());
        Assert.Equal(BytePatterns.Create(10_000, 10), RawFile.ReadAllBytes(Path.Combine(_directory.DirectoryPath, "durable")));
    }

    [Fact]
    public void TheWriteLockIsAnOperatingSystemLockOnWriteLock()
    {
        Assert.IsType<NativeFSLockFactory>(_directory.LockFactory);
        global::Lucene.Net.Store.Lock first = _directory.MakeLock(IndexWriterLockName);
        Assert.True(first.Obtain());
        using var other = new QuireDirectory(_cache, _directory.DirectoryPath);
        global::Lucene.Net.Store.Lock second = other.MakeLock(IndexWriterLockName);
        Assert.False(second.Obtain());
        first.Dispose();
        Assert.True(second.Obtain());
        second.Dispose();
    }

    [Fact]
    public void ToStringNamesThePath()
    {
        using (IndexOutput output = _directory.CreateOutput("named", IOContext.DEFAULT))
        {
            output.WriteByte(1);
            Assert.Contains("named", output.ToString(), StringComparison.Ordinal);
        }

        using IndexInput input = _directory.OpenInput("named", IOContext.DEFAULT);
        Assert.Contains("named", input.ToString(), StringComparison.Ordinal);
        Assert.Contains(_directory.DirectoryPath, _directory.ToString(), StringComparison.Ordinal);
    }

    private const string IndexWriterLockName = "write.lock";

    /// <summary>CRC-32 (IEEE 802.3, zlib's), bit by bit: the reference the output's checksum must equal.</summary>
    private static long Crc32(byte[] bytes)
    {
        uint crc = 0xFFFF_FFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
