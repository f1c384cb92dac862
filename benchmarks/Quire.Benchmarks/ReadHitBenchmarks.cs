// ReadHitBenchmarks: a 4 KiB random read that hits. Quire's copy-out (CachedFile.Read of a
// resident page into a 4 KiB buffer) against RandomAccess.Read of the same file held in the OS
// page cache (the baseline) and against a copy out of a memory-mapped view of it (the pointer
// acquired once in setup, then a span copy at the offset). The offsets are page-aligned, seeded
// and precomputed. Target: Quire at most 0.6x the baseline's time, 0 bytes allocated.

using System.IO.MemoryMappedFiles;
using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public class ReadHitBenchmarks
{
    private const int ReadBytes = 4096;
    private const int OffsetCount = 1 << 16; // a power of two: the measured method masks its index

    private readonly byte[] _buffer = new byte[ReadBytes];
    private long[] _offsets = [];
    private int _next;
    private SafeFileHandle? _handle;
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    private nint _mappedAddress;
    private WarmCache? _quire;
    private PageCacheStatistics? _statisticsBefore;

    /// <summary>8 MiB fits in the CPU's last-level cache (32 MiB here); 1 GiB does not, nor in its TLB reach.</summary>
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

    [GlobalSetup(Target = nameof(MemoryMappedCopy))]
    public unsafe void SetUpMemoryMapped()
    {
        SetUpRandomAccess();
        _map = MemoryMappedFile.CreateFromFile(_handle!, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        _view = _map.CreateViewAccessor(0, WorkingSetBytes, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _mappedAddress = (nint)(pointer + _view.PointerOffset);

        // Touch every page once, so that the measured copies take no page faults: the mapping is
        // then as warm as the OS page cache behind it.
        int sum = 0;
        for (long offset = 0; offset < WorkingSetBytes; offset += ReadBytes)
        {
            sum += ((byte*)_mappedAddress)[offset];
        }

        GC.KeepAlive(sum);
    }

    [GlobalSetup(Target = nameof(QuireRead))]
    public void SetUpQuire()
    {
        _offsets = RandomOffsets.PageAligned(WorkingSetBytes, OffsetCount);
        _quire = WarmCache.Load(DataPath, FileAccess.Read);
        _statisticsBefore = _quire.Cache.GetStatistics();
    }

    [Benchmark(Baseline = true)]
    public int RandomAccessRead() => RandomAccess.Read(_handle!, _buffer, _offsets[_next++ & (OffsetCount - 1)]);

    [Benchmark]
    public unsafe int MemoryMappedCopy()
    {
        long offset = _offsets[_next++ & (OffsetCount - 1)];
        new ReadOnlySpan<byte>((byte*)(_mappedAddress + (nint)offset), ReadBytes).CopyTo(_buffer);
        return ReadBytes;
    }

    [Benchmark]
    public int QuireRead() => _quire!.File.Read(_offsets[_next++ & (OffsetCount - 1)], _buffer);

    [GlobalCleanup]
    public void CleanUp()
    {
        if (_quire is not null)
        {
            CounterLog.Append(CounterRecord.Between($"{nameof(ReadHitBenchmarks)}.{nameof(QuireRead)}", $"WorkingSetMiB={WorkingSetMiB}", _next, _statisticsBefore!, _quire.Cache.GetStatistics()));
            _quire.Dispose();
            _quire = null;
        }

        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _view = null;
        }

        _map?.Dispose();
        _map = null;
        _handle?.Dispose();
        _handle = null;
        _next = 0;
    }
}
