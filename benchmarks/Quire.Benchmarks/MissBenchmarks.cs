// MissBenchmarks: the miss path with read-ahead, without the device: 4 KiB sequential reads of a
// 64 MiB file held in the OS page cache, through a 16 MiB pool, so the cache misses, reads a
// read-ahead window with one vectored read, evicts the oldest pages and hits the rest of the
// window; per read this is the amortized cost of a miss with read-ahead. Against
// RandomAccess.Read of the same 4 KiB from the OS page cache (the baseline). The file loops, so
// every pass misses again.

using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public class MissBenchmarks
{
    private const int ReadBytes = 4096;
    private const long FileBytes = 64L << 20;
    private const long PoolBytes = 16L << 20;
    private const long PageMask = (FileBytes / ReadBytes) - 1; // a power of two

    private readonly byte[] _buffer = new byte[ReadBytes];
    private long _next;
    private SafeFileHandle? _handle;
    private PageCache? _cache;
    private CachedFile? _file;
    private PageCacheStatistics? _statisticsBefore;

    private static string DataPath => ScratchFiles.GetOrCreate("miss-64MiB.bin", FileBytes);

    [GlobalSetup]
    public void SetUp()
    {
        _handle = File.OpenHandle(DataPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        ScratchFiles.WarmOperatingSystemCache(_handle);
        _cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = PoolBytes });
        _file = _cache.Open(DataPath, FileMode.Open, FileAccess.Read);
        _statisticsBefore = _cache.GetStatistics();
        _next = 0;
    }

    [Benchmark(Baseline = true)]
    public int RandomAccessRead() => RandomAccess.Read(_handle!, _buffer, (_next++ & PageMask) * ReadBytes);

    [Benchmark]
    public int QuireReadWithReadAhead() => _file!.Read((_next++ & PageMask) * ReadBytes, _buffer);

    [GlobalCleanup]
    public void CleanUp()
    {
        if (_cache is not null)
        {
            CounterLog.Append(CounterRecord.Between($"{nameof(MissBenchmarks)}.{nameof(QuireReadWithReadAhead)}", "", _next, _statisticsBefore!, _cache.GetStatistics()));
        }

        _file?.Dispose();
        _cache?.Dispose();
        _handle?.Dispose();
        (_file, _cache, _handle) = (null, null, null);
    }
}
