// LeaseBenchmarks: what a lease over a hit page costs to take and release, for the three leases:
// the ref-struct PageLease (CachedFile.Pin, the baseline), a storable PageRangeLease taken and
// disposed (CachedFile.PinRange: an object each time), and a stored PageRangeLease moved to the
// next page (CachedFile.TryRepin: what an engine's reader does at a page boundary). Each reads one
// byte through the lease. The offsets are page-aligned, seeded and precomputed, over 8 MiB (fits
// in the CPU's last-level cache) held resident. Target: a storable lease over a hit page at most
// 50 ns to take and release.

using BenchmarkDotNet.Attributes;

namespace Quire.Benchmarks;

[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public class LeaseBenchmarks
{
    private const long WorkingSetBytes = 8L << 20;
    private const int OffsetCount = 1 << 16; // a power of two: the measured methods mask their index

    private long[] _offsets = [];
    private int _next;
    private WarmCache? _quire;
    private PageRangeLease? _stored;

    [GlobalSetup]
    public void SetUp()
    {
        _offsets = RandomOffsets.PageAligned(WorkingSetBytes, OffsetCount);
        _quire = WarmCache.Load(ScratchFiles.GetOrCreate("data-8MiB.bin", WorkingSetBytes), FileAccess.Read);
        _stored = _quire.File.PinRange(0, 8);
    }

    [Benchmark(Baseline = true)]
    public byte PinPageLease()
    {
        using PageLease lease = _quire!.File.Pin(_offsets[_next++ & (OffsetCount - 1)], 8);
        return lease.Span[7];
    }

    [Benchmark]
    public byte PinRangeAndDispose()
    {
        using PageRangeLease lease = _quire!.File.PinRange(_offsets[_next++ & (OffsetCount - 1)], 8);
        return lease.Span[7];
    }

    [Benchmark]
    public byte RepinStoredLease()
    {
        _quire!.File.TryRepin(_stored!, _offsets[_next++ & (OffsetCount - 1)], 8);
        return _stored!.Span[7];
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _stored?.Dispose();
        _quire?.Dispose();
        _quire = null;
        _next = 0;
    }
}
