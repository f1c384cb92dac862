// BinaryStreamBenchmarks: small typed reads and writes through BinaryWriter and BinaryReader, 16,384
// values of 4 bytes and 16,384 of 8 (192 KiB) per operation from the start of a file that is
// cached, over a FileStream with its default 4 KiB buffer (the baseline) and over a
// CachedFileStream with a buffer of the same size (AsStream(bufferSize: 4096)) and without one.
// Target: the buffered CachedFileStream at most 1.2x the FileStream's time.

using BenchmarkDotNet.Attributes;

namespace Quire.Benchmarks;

[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public class BinaryStreamBenchmarks
{
    private const int Values = 16_384;
    private const long FileBytes = 1L << 20;

    private FileStream? _fileStream;
    private WarmCache? _quire;
    private CachedFileStream? _buffered;
    private CachedFileStream? _unbuffered;

    // A file each: the cache locks the files it opens against other opens, FileStreams included.
    private static string FileStreamPath => ScratchFiles.GetOrCreate("binary-filestream-1MiB.bin", FileBytes);

    private static string QuirePath => ScratchFiles.GetOrCreate("binary-quire-1MiB.bin", FileBytes);

    [GlobalSetup]
    public void SetUp()
    {
        _fileStream = new FileStream(FileStreamPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 4096);
        _quire = WarmCache.Load(QuirePath, FileAccess.ReadWrite);
        _buffered = _quire.File.AsStream(leaveOpen: true, bufferSize: 4096);
        _unbuffered = _quire.File.AsStream(leaveOpen: true);
    }

    [Benchmark(Baseline = true)]
    public long FileStreamWrite() => WriteValues(new BinaryWriter(_fileStream!));

    [Benchmark]
    public long BufferedWrite() => WriteValues(new BinaryWriter(_buffered!));

    [Benchmark]
    public long UnbufferedWrite() => WriteValues(new BinaryWriter(_unbuffered!));

    [Benchmark]
    public long FileStreamRead() => ReadValues(new BinaryReader(_fileStream!));

    [Benchmark]
    public long BufferedRead() => ReadValues(new BinaryReader(_buffered!));

    [Benchmark]
    public long UnbufferedRead() => ReadValues(new BinaryReader(_unbuffered!));

    [GlobalCleanup]
    public void CleanUp()
    {
        _fileStream?.Dispose();
        _buffered?.Dispose();
        _unbuffered?.Dispose();
        _quire?.Dispose();
    }

    // The writer is not flushed nor disposed (either flushes the stream, which is durable for a
    // CachedFileStream and not for a FileStream): the next operation's seek moves what is buffered.
    private static long WriteValues(BinaryWriter writer)
    {
        writer.BaseStream.Position = 0;
        for (int i = 0; i < Values; i++)
        {
            writer.Write(i);
            writer.Write((long)i);
        }

        return writer.BaseStream.Position;
    }

    private static long ReadValues(BinaryReader reader)
    {
        reader.BaseStream.Position = 0;
        long sum = 0;
        for (int i = 0; i < Values; i++)
        {
            sum += reader.ReadInt32();
            sum += reader.ReadInt64();
        }

        return sum;
    }
}
