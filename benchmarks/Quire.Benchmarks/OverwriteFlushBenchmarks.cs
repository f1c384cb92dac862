// OverwriteFlushBenchmarks: the latency of making one 4 KiB overwrite durable: CachedFile.Write
// of a resident page followed by Flush, against RandomAccess.Write followed by fdatasync on a
// file held in the OS page cache (the baseline: the least a durable overwrite can cost through
// the OS). Both write the same page-aligned, seeded offsets of a 16 MiB file.

using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public partial class OverwriteFlushBenchmarks
{
    private const int WriteBytes = 4096;
    private const int OffsetCount = 1 << 12;
    private const long FileBytes = 16L << 20;
    private const long PoolBytes = FileBytes * 4;

    private readonly byte[] _buffer = new byte[WriteBytes];
    private long[] _offsets = [];
    private int _next;
    private SafeFileHandle? _handle;
    private WarmCache? _quire;

    private static string DataPath => ScratchFiles.GetOrCreate("overwrite-flush-16MiB.bin", FileBytes);

    [GlobalSetup(Target = nameof(PwriteThenFdatasync))]
    public void SetUpRandomAccess()
    {
        Prepare();
        _handle = File.OpenHandle(DataPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        ScratchFiles.WarmOperatingSystemCache(_handle);
    }

    [GlobalSetup(Target = nameof(QuireWriteThenFlush))]
    public void SetUpQuire()
    {
        Prepare();
        _quire = WarmCache.Load(DataPath, FileAccess.ReadWrite, PoolBytes);
    }

    [Benchmark(Baseline = true)]
    public void PwriteThenFdatasync()
    {
        RandomAccess.Write(_handle!, _buffer, _offsets[_next++ & (OffsetCount - 1)]);
        bool added = false;
        _handle!.DangerousAddRef(ref added);
        try
        {
            if (Fdatasync((int)_handle.DangerousGetHandle()) != 0)
            {
                throw new IOException("fdatasync failed.", Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            _handle.DangerousRelease();
        }
    }

    [Benchmark]
    public void QuireWriteThenFlush()
    {
        _quire!.File.Write(_offsets[_next++ & (OffsetCount - 1)], _buffer);
        _quire.File.Flush();
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _quire?.Dispose();
        _quire = null;
        _handle?.Dispose();
        _handle = null;
        _next = 0;
    }

    private void Prepare()
    {
        _offsets = RandomOffsets.PageAligned(FileBytes, OffsetCount);
        new Random(RandomOffsets.Seed).NextBytes(_buffer);
        _next = 0;
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int fd);
}
