// ClusterWriteBenchmarks: the CPU cost of writing back a cluster, without the device: 1 MiB
// (256 pages) written into resident pages, then Flush to a store that keeps nothing, so what is
// measured is the cache's own work: the write hits, gathering the dirty run, marking it clean
// and under writeback, building the vectored write, completion, and the durable-flush
// bookkeeping. Against RandomAccess.Write of the same 1 MiB into a file held in the OS page
// cache (the baseline: the OS's own cost of taking that much dirty data).

using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public class ClusterWriteBenchmarks
{
    private const int ClusterBytes = 1 << 20;
    private const long FileBytes = 16L << 20;
    private const int ClusterCount = (int)(FileBytes / ClusterBytes);

    private readonly byte[] _cluster = new byte[ClusterBytes];
    private int _next;
    private SafeFileHandle? _handle;
    private PageCache? _cache;
    private CachedFile? _file;

    [GlobalSetup(Target = nameof(RandomAccessWrite))]
    public void SetUpRandomAccess()
    {
        _handle = File.OpenHandle(ScratchFiles.GetOrCreate("cluster-write-16MiB.bin", FileBytes), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        ScratchFiles.WarmOperatingSystemCache(_handle);
    }

    [GlobalSetup(Target = nameof(QuireWriteThenFlush))]
    public void SetUpQuire()
    {
        new Random(RandomOffsets.Seed).NextBytes(_cluster);
        _cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = FileBytes * 4 });
        _file = _cache.Open(new DiscardingStore(FileBytes));
        for (long offset = 0; offset < FileBytes; offset += ClusterBytes)
        {
            _file.Write(offset, _cluster); // resident, so the measured writes hit
        }

        _file.Flush();
    }

    [Benchmark(Baseline = true)]
    public void RandomAccessWrite() => RandomAccess.Write(_handle!, _cluster, (long)(_next++ % ClusterCount) * ClusterBytes);

    [Benchmark]
    public void QuireWriteThenFlush()
    {
        _file!.Write((long)(_next++ % ClusterCount) * ClusterBytes, _cluster);
        _file.Flush();
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _file?.Dispose();
        _cache?.Dispose();
        _handle?.Dispose();
        (_file, _cache, _handle) = (null, null, null);
        _next = 0;
    }

    /// <summary>A store of a fixed length that reads zeros and forgets what it is given.</summary>
    private sealed class DiscardingStore(long length) : IBackingStore
    {
        public string Name => "discarding";

        public bool CanWrite => true;

        public long GetLength() => length;

        public void SetLength(long byteCount) => length = byteCount;

        public int Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset)
        {
            long total = 0;
            foreach (Memory<byte> buffer in buffers)
            {
                buffer.Span.Clear();
                total += buffer.Length;
            }

            return (int)Math.Clamp(length - fileOffset, 0, total);
        }

        public ValueTask<int> ReadAsync(IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Read(buffers, fileOffset));

        public void Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset)
        {
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
