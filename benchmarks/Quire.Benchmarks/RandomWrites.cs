// RandomWrites: 4 KiB writes at seeded random page-aligned offsets of a file 4 times the pool,
// then a durable flush. CachedFile.Write then Flush, against RandomAccess.Write then
// RandomAccess.FlushToDisk (the baseline). Each contender has its own 256 MiB file, created
// once and made durable; a round writes 64 MiB (a pool's worth) of pages drawn uniformly from the
// whole file, so the cache must write back and evict while the writer runs, where the OS page
// cache (gigabytes here) holds every page until the flush. No target: the question shows what
// a bounded pool costs against an unbounded one on this workload. Latency percentiles per
// contender; the report adds the cache's average write size, peak not-durable bytes and throttle
// pauses. Measured by DiskRounds (why: see there).

using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

internal sealed class RandomWrites : IDisposable
{
    private const int WriteBytes = 4096;
    private const long PoolBytes = 64L << 20;
    private const long FileBytes = PoolBytes * 4;
    private const int WritesPerRound = (int)(PoolBytes / WriteBytes);
    private const int WarmupRounds = 1;
    private const int MeasuredRounds = 5;

    private readonly long[] _offsets = RandomOffsets.PageAligned(FileBytes, WritesPerRound * (WarmupRounds + MeasuredRounds));
    private readonly byte[] _buffer = new byte[WriteBytes];
    private readonly string _baselinePath = ScratchFiles.GetOrCreate("random-write-baseline.bin", FileBytes);
    private readonly string _quirePath = ScratchFiles.GetOrCreate("random-write-quire.bin", FileBytes);
    private readonly PageCache _cache = new(new PageCacheOptions { MemoryLimitBytes = PoolBytes });
    private SafeFileHandle? _handle;
    private CachedFile? _file;
    private int _baselineNext;
    private int _quireNext;

    public static void Run()
    {
        using var writes = new RandomWrites();
        writes.Measure();
    }

    public void Dispose()
    {
        _handle?.Dispose();
        _file?.Dispose();
        _cache.Dispose();
    }

    private void Measure()
    {
        new Random(RandomOffsets.Seed).NextBytes(_buffer);
        var baselineLatencies = new LatencyLog();
        var quireLatencies = new LatencyLog();
        var counters = new QuireRoundCounters(_cache, "RandomWrites.QuireRandomWriteThenFlush", "", WarmupRounds + MeasuredRounds);
        var contenders = new List<DiskContender>
        {
            new()
            {
                Name = "RandomAccessWriteThenFlushToDisk",
                BeforeRound = () => _handle = File.OpenHandle(_baselinePath, FileMode.Open, FileAccess.ReadWrite, FileShare.None),
                Round = () => RandomAccessWrite(baselineLatencies),
                AfterRound = () =>
                {
                    _handle!.Dispose();
                    _handle = null;
                },
                Latencies = baselineLatencies,
                UnitsPerRound = WritesPerRound,
                OperationsPerRound = WritesPerRound,
            },
            new()
            {
                Name = "QuireRandomWriteThenFlush",
                BaselineName = "RandomAccessWriteThenFlushToDisk",
                BeforeRound = () =>
                {
                    _file = _cache.Open(_quirePath, FileMode.Open, FileAccess.ReadWrite);
                    counters.BeginRound();
                },
                Round = () => QuireWrite(quireLatencies),
                AfterRound = () =>
                {
                    _file!.Dispose(); // nothing is dirty after the timed Flush; closing evicts the pages
                    _file = null;
                    counters.EndRound(lastHandleClosed: true);
                },
                Latencies = quireLatencies,
                UnitsPerRound = WritesPerRound,
                OperationsPerRound = WritesPerRound,
            },
        };
        DiskRounds.Run("random-write", "Random 4 KiB writes over a file 4x the pool, then a durable flush", "writes/s", null, WarmupRounds, MeasuredRounds, contenders);
    }

    private void RandomAccessWrite(LatencyLog latencies)
    {
        for (int i = 0; i < WritesPerRound; i++)
        {
            long start = Stopwatch.GetTimestamp();
            RandomAccess.Write(_handle!, _buffer, _offsets[_baselineNext++]);
            latencies.Record(start);
        }

        RandomAccess.FlushToDisk(_handle!);
    }

    private void QuireWrite(LatencyLog latencies)
    {
        for (int i = 0; i < WritesPerRound; i++)
        {
            long start = Stopwatch.GetTimestamp();
            _file!.Write(_offsets[_quireNext++], _buffer);
            latencies.Record(start);
        }

        _file!.Flush();
    }
}
