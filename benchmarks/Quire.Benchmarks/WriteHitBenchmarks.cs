// WriteHitBenchmarks: a 4 KiB overwrite of a resident page: CachedFile.Write into a cache that
// holds the whole file, against RandomAccess.Write into the same file held in the OS page cache
// (the baseline). Neither is durable when it returns. The offsets are page-aligned, seeded and
// precomputed. Expected: no allocation on the hit path.
//
// The pool is 16 times the file, so that the overwritten pages stay below the cache's background
// dirty threshold (10% of the pool), as they stay below the OS's (10% of memory) for the
// baseline: the question is the cost of a write hit, not dirty throttling, which the sequential
// write question measures.

using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public class WriteHitBenchmarks
{
    private const int WriteBytes = 4096;
    private const int OffsetCount = 1 << 16; // a power of two: the measured method masks its index
    private const long FileBytes = 64L << 20; // larger than the CPU's caches, small enough to flush quickly
    private const long PoolBytes = FileBytes * 16;

    private readonly byte[] _buffer = new byte[WriteBytes];
    private long[] _offsets = [];
    private int _next;
    private SafeFileHandle? _handle;
    private WarmCache? _quire;
    private PageCacheStatistics? _statisticsBefore;

    private static string DataPath => ScratchFiles.GetOrCreate("overwrite-64MiB.bin", FileBytes);

    [GlobalSetup(Target = nameof(RandomAccessWrite))]
    public void SetUpRandomAccess()
    {
        Prepare();
        _handle = File.OpenHandle(DataPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        ScratchFiles.WarmOperatingSystemCache(_handle);
    }

    [GlobalSetup(Target = nameof(QuireWrite))]
    public void SetUpQuire()
    {
        Prepare();
        _quire = WarmCache.Load(DataPath, FileAccess.ReadWrite, PoolBytes);
        _statisticsBefore = _quire.Cache.GetStatistics();
    }

    [Benchmark(Baseline = true)]
    public void RandomAccessWrite() => RandomAccess.Write(_handle!, _buffer, _offsets[_next++ & (OffsetCount - 1)]);

    [Benchmark]
    public void QuireWrite() => _quire!.File.Write(_offsets[_next++ & (OffsetCount - 1)], _buffer);

    [GlobalCleanup]
    public void CleanUp()
    {
        if (_quire is not null)
        {
            CounterLog.Append(CounterRecord.Between($"{nameof(WriteHitBenchmarks)}.{nameof(QuireWrite)}", "", _next, _statisticsBefore!, _quire.Cache.GetStatistics()));
            _quire.Dispose(); // flushes the dirty pages outside the measurement
            _quire = null;
        }

        if (_handle is not null)
        {
            RandomAccess.FlushToDisk(_handle);
            _handle.Dispose();
            _handle = null;
        }

        _next = 0;
    }

    private void Prepare()
    {
        _offsets = RandomOffsets.PageAligned(FileBytes, OffsetCount);
        new Random(RandomOffsets.Seed).NextBytes(_buffer);
        _next = 0;
    }
}
