// ColdSequentialReads: a cold sequential read of a whole file 4 times the pool. Quire with
// UseDirectIO and read-ahead (the application reading 4 KiB or 1 MiB at a time) against
// O_DIRECT preads of 1 MiB into a 4096-aligned buffer (the baseline). Each Quire round opens a
// fresh handle and closes it after (untimed); closing the last handle evicts the file's pages,
// so every round reads every page from the disk. O_DIRECT bypasses the OS page cache; the file
// is also dropped from it (posix_fadvise DONTNEED). Target: Quire at least 0.9x the baseline's
// throughput. Measured by DiskRounds (why: see there).

using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

internal sealed class ColdSequentialReads : IDisposable
{
    private const int MiB = 1 << 20;
    private const long FileBytes = 1L << 30;
    private const long PoolBytes = FileBytes / 4; // the data is 4 times the pool
    private const int WarmupRounds = 1;
    private const int MeasuredRounds = 7;

    private readonly string _path;
    private readonly SafeFileHandle _direct;
    private readonly AlignedBuffer _alignedBuffer = new(MiB);
    private readonly PageCache _cache = new(new PageCacheOptions { MemoryLimitBytes = PoolBytes, UseDirectIO = true });
    private CachedFile? _file;

    private ColdSequentialReads(string path)
    {
        _path = path;
        _direct = LinuxFileCalls.OpenDirectForReading(path);
    }

    public static void Run()
    {
        string path = ScratchFiles.GetOrCreate("data-1024MiB.bin", FileBytes);
        LinuxFileCalls.DropFromOperatingSystemCache(path);
        using var reads = new ColdSequentialReads(path);
        reads.Measure();
    }

    public void Dispose()
    {
        _file?.Dispose();
        _cache.Dispose();
        _direct.Dispose();
        _alignedBuffer.Dispose();
    }

    private void Measure()
    {
        var contenders = new List<DiskContender>
        {
            new()
            {
                Name = "DirectPread1MiB",
                Round = DirectRead,
                UnitsPerRound = FileBytes / MiB,
                OperationsPerRound = FileBytes / MiB,
            },
            QuireContender("QuireRead4KiB", 4096),
            QuireContender("QuireRead1MiB", MiB),
        };
        DiskRounds.Run("cold-sequential-read", "Cold sequential read with read-ahead, file 4x the pool, O_DIRECT", "MiB/s", 0.9, WarmupRounds, MeasuredRounds, contenders);
    }

    private DiskContender QuireContender(string name, int readBytes)
    {
        byte[] buffer = new byte[readBytes];
        var counters = new QuireRoundCounters(_cache, $"ColdSequentialReads.{name}", "", WarmupRounds + MeasuredRounds);
        return new DiskContender
        {
            Name = name,
            BaselineName = "DirectPread1MiB",
            BeforeRound = () =>
            {
                _file = _cache.Open(_path, FileMode.Open, FileAccess.Read);
                if (_file.FileObject.Store is not FileBackingStore { IsDirectIO: true })
                {
                    throw new InvalidOperationException($"'{_path}' was not opened with O_DIRECT; the scratch directory must support it.");
                }

                counters.BeginRound();
            },
            Round = () => QuireRead(buffer),
            AfterRound = () =>
            {
                _file!.Dispose(); // the last handle: evicts the file's pages, so the next round is cold
                _file = null;
                counters.EndRound(lastHandleClosed: true);
            },
            UnitsPerRound = FileBytes / MiB,
            OperationsPerRound = FileBytes / readBytes,
        };
    }

    private void DirectRead()
    {
        Span<byte> buffer = _alignedBuffer.Span;
        long total = 0;
        for (long offset = 0; offset < FileBytes; offset += MiB)
        {
            total += RandomAccess.Read(_direct, buffer, offset);
        }

        CheckWhole(total);
    }

    private void QuireRead(byte[] buffer)
    {
        long total = 0;
        for (long offset = 0; offset < FileBytes; offset += buffer.Length)
        {
            total += _file!.Read(offset, buffer);
        }

        CheckWhole(total);
    }

    private static void CheckWhole(long total)
    {
        if (total != FileBytes)
        {
            throw new IOException($"A sequential read returned {total} bytes of a file of {FileBytes}.");
        }
    }
}
