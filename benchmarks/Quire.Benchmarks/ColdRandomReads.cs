// ColdRandomReads: cold random 4 KiB reads of a file 4 times the pool. Quire with UseDirectIO
// (every read misses and, the pool being full, evicts a page) against O_DIRECT 4 KiB preads
// into 4096-aligned buffers (the baseline), at the same number of threads. Every page of the
// file is read at most once in the whole run, in a seeded random order, by whichever contender
// takes the next slice, so nothing hits in Quire and no contender reads a page another one read.
// O_DIRECT bypasses the OS page cache; the file is also dropped from it (posix_fadvise DONTNEED).
// Target: Quire at least 0.9x the baseline's IOPS. Measured by DiskRounds (why: see there).

using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

internal sealed class ColdRandomReads : IDisposable
{
    private const int ReadBytes = 4096;
    private const long FileBytes = 2L << 30; // 524,288 pages
    private const long PoolBytes = FileBytes / 4; // the data is 4 times the pool
    private const int FillPages = (int)(PoolBytes / ReadBytes); // read first, to fill the pool
    private const int ReadsPerRound = 8192; // 32 MiB: about 0.4 s at one thread
    private const int WarmupRounds = 1;
    private const int MeasuredRounds = 9; // more than the other questions: 4 threads on this disk vary most
    private static readonly int[] s_threadCounts = [1, 4]; // latency bound; 4 I/Os in flight on 2 cores

    private readonly long[] _order;
    private readonly SafeFileHandle _direct;
    private readonly AlignedBuffer[] _alignedBuffers;
    private readonly byte[][] _buffers;
    private readonly PageCache _cache;
    private readonly CachedFile _file;
    private int _cursor; // the next page of _order; every page before it was read once

    private ColdRandomReads(string path)
    {
        _order = RandomOffsets.PagePermutation(FileBytes);
        int pagesNeeded = FillPages + ((WarmupRounds + MeasuredRounds) * 2 * s_threadCounts.Length * ReadsPerRound);
        if (pagesNeeded > _order.Length)
        {
            throw new InvalidOperationException($"The rounds need {pagesNeeded} never-read pages but the file has {_order.Length}.");
        }

        int maxThreads = s_threadCounts.Max();
        _direct = LinuxFileCalls.OpenDirectForReading(path);
        _alignedBuffers = Enumerable.Range(0, maxThreads).Select(_ => new AlignedBuffer(ReadBytes)).ToArray();
        _buffers = Enumerable.Range(0, maxThreads).Select(_ => new byte[ReadBytes]).ToArray();
        _cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = PoolBytes, UseDirectIO = true });
        _file = _cache.Open(path, FileMode.Open, FileAccess.Read);
        if (_file.FileObject.Store is not FileBackingStore { IsDirectIO: true })
        {
            throw new InvalidOperationException($"'{path}' was not opened with O_DIRECT; the scratch directory must support it.");
        }
    }

    public static void Run()
    {
        string path = ScratchFiles.GetOrCreate("data-2048MiB.bin", FileBytes);
        LinuxFileCalls.DropFromOperatingSystemCache(path);
        using var reads = new ColdRandomReads(path);
        reads.Measure();
    }

    public void Dispose()
    {
        _file.Dispose();
        _cache.Dispose();
        _direct.Dispose();
        foreach (AlignedBuffer buffer in _alignedBuffers)
        {
            buffer.Dispose();
        }
    }

    private void Measure()
    {
        // Fill the pool with pages no round reads again, so that every measured read misses and evicts.
        DiskRounds.OnThreads(s_threadCounts.Max(), 0, FillPages, QuireReadSlice);
        _cursor = FillPages;

        var contenders = new List<DiskContender>();
        foreach (int threads in s_threadCounts)
        {
            int sliceStart = 0;
            contenders.Add(new DiskContender
            {
                Name = "DirectPread",
                Parameters = $"Threads={threads}",
                BeforeRound = () => sliceStart = TakeSlice(),
                Round = () => DiskRounds.OnThreads(threads, sliceStart, ReadsPerRound, DirectReadSlice),
                UnitsPerRound = ReadsPerRound,
                OperationsPerRound = ReadsPerRound,
            });

            var counters = new QuireRoundCounters(_cache, "ColdRandomReads.QuireDirectRead", $"Threads={threads}", WarmupRounds + MeasuredRounds);
            contenders.Add(new DiskContender
            {
                Name = "QuireDirectRead",
                Parameters = $"Threads={threads}",
                BaselineName = "DirectPread",
                BeforeRound = () =>
                {
                    sliceStart = TakeSlice();
                    counters.BeginRound();
                },
                Round = () => DiskRounds.OnThreads(threads, sliceStart, ReadsPerRound, QuireReadSlice),
                AfterRound = () => counters.EndRound(lastHandleClosed: false),
                UnitsPerRound = ReadsPerRound,
                OperationsPerRound = ReadsPerRound,
            });
        }

        DiskRounds.Run("cold-random-read", "Cold random 4 KiB reads, data 4x the pool, O_DIRECT", "IOPS", 0.9, WarmupRounds, MeasuredRounds, contenders);
    }

    private int TakeSlice()
    {
        int start = _cursor;
        _cursor += ReadsPerRound;
        return start;
    }

    private void DirectReadSlice(int thread, int first, int count)
    {
        Span<byte> buffer = _alignedBuffers[thread].Span;
        for (int i = first; i < first + count; i++)
        {
            int read = RandomAccess.Read(_direct, buffer, _order[i]);
            if (read != ReadBytes)
            {
                throw new IOException($"pread at {_order[i]} returned {read} bytes, not {ReadBytes}.");
            }
        }
    }

    private void QuireReadSlice(int thread, int first, int count)
    {
        byte[] buffer = _buffers[thread];
        for (int i = first; i < first + count; i++)
        {
            int read = _file.Read(_order[i], buffer);
            if (read != ReadBytes)
            {
                throw new IOException($"CachedFile.Read at {_order[i]} returned {read} bytes, not {ReadBytes}.");
            }
        }
    }
}
