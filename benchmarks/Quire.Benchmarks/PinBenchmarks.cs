// PinBenchmarks: zero-copy access to a 4 KiB page that hits: the lookup, CachedFile.Pin of a
// PageLease, reading a byte through it and its Dispose, against RandomAccess.Read of 4 KiB from
// the same file held in the OS page cache (the baseline). The offsets are page-aligned, seeded
// and precomputed. Target: Quire at most 0.15x the baseline's time, 0 bytes allocated.

using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public class PinBenchmarks
{
    private const int ReadBytes = 4096;
    private const int OffsetCount = 1 << 16; // a power of two: the measured method masks its index

    private readonly byte[] _buffer = new byte[ReadBytes];
    private long[] _offsets = [];
    private int _next;
    private SafeFileHandle? _handle;
    private WarmCache? _quire;
    private PageCacheStatistics? _statisticsBefore;

    /// <summary>8 MiB fits in the CPU's last-level cache (32 MiB here); 1 GiB does not.</summary>
    [Params(8, 1024)]
    public int WorkingSetMiB { get; set; }

    private long WorkingSetBytes => (long)WorkingSetMiB << 20;

    private string DataPath => ScratchFiles.GetOrCreate($"data-{WorkingSetMiB}MiB.bin", WorkingSetBytes);

    [GlobalSetup(Target = nameof(RandomAccessRead))]
    public void SetUpRandomAccess()
    {
        _offsets = RandomOffsets.PageAligned(WorkingSetBytes, OffsetCount);
        _handle = File.OpenHandle(DataPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        ScratchFiles.WarmOperatingSystemCache(_handle);
    }

    [GlobalSetup(Target = nameof(QuirePin))]
    public void SetUpQuire()
    {
        _offsets = RandomOffsets.PageAligned(WorkingSetBytes, OffsetCount);
        _quire = WarmCache.Load(DataPath, FileAccess.Read);
        _statisticsBefore = _quire.Cache.GetStatistics();
    }

    [Benchmark(Baseline = true)]
    public int RandomAccessRead() => RandomAccess.Read(_handle!, _buffer, _offsets[_next++ & (OffsetCount - 1)]);

    [Benchmark]
    public int QuirePin()
    {
        using PageLease lease = _quire!.File.Pin(_offsets[_next++ & (OffsetCount - 1)], ReadBytes);
        return lease.Span[ReadBytes - 1];
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        if (_quire is not null)
        {
            CounterLog.Append(CounterRecord.Between($"{nameof(PinBenchmarks)}.{nameof(QuirePin)}", $"WorkingSetMiB={WorkingSetMiB}", _next, _statisticsBefore!, _quire.Cache.GetStatistics()));
            _quire.Dispose();
            _quire = null;
        }

        _handle?.Dispose();
        _handle = null;
        _next = 0;
    }
}
