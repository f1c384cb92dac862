// DurableOverwrites: the cost of making one 4 KiB overwrite durable. CachedFile.Write of a
// resident page then Flush, against RandomAccess.Write then fdatasync of a file held in the OS
// page cache (the baseline: the least a durable overwrite can cost through the OS). Each
// contender has its own 16 MiB file, created once with every block allocated and made durable,
// so both overwrite settled files; both write the same seeded page-aligned offsets.
// Target: Quire at least 1/1.2 of the baseline's durable overwrites per second (a durable
// overwrite costs at most 1.2x a pwrite plus fdatasync). Latency percentiles per contender.
// Measured by DiskRounds (why: see there) in many short rounds of 16 writes each: the device's
// flush latency drifts within a second, and a run of hundreds of flushes by one contender at a
// time, as BenchmarkDotNet or longer rounds make, lands whole slow spells on one of them.

using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

internal sealed class DurableOverwrites : IDisposable
{
    private const int WriteBytes = 4096;
    private const long FileBytes = 16L << 20;
    private const long PoolBytes = 64L << 20;
    private const int WritesPerRound = 16;
    private const int WarmupRounds = 8;
    private const int MeasuredRounds = 120;
    private const double Target = 1 / 1.2;

    private readonly long[] _offsets = RandomOffsets.PageAligned(FileBytes, WritesPerRound * (WarmupRounds + MeasuredRounds));
    private readonly byte[] _buffer = new byte[WriteBytes];
    private readonly SafeFileHandle _handle;
    private readonly WarmCache _quire;
    private int _baselineNext;
    private int _quireNext;

    private DurableOverwrites()
    {
        new Random(RandomOffsets.Seed).NextBytes(_buffer);
        _handle = File.OpenHandle(ScratchFiles.GetOrCreate("durable-overwrite-baseline.bin", FileBytes), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        ScratchFiles.WarmOperatingSystemCache(_handle);
        _quire = WarmCache.Load(ScratchFiles.GetOrCreate("durable-overwrite-quire.bin", FileBytes), FileAccess.ReadWrite, PoolBytes);
    }

    public static void Run()
    {
        using var overwrites = new DurableOverwrites();
        overwrites.Measure();
    }

    public void Dispose()
    {
        _quire.Dispose();
        _handle.Dispose();
    }

    private void Measure()
    {
        var baselineLatencies = new LatencyLog();
        var quireLatencies = new LatencyLog();
        var counters = new QuireRoundCounters(_quire.Cache, "DurableOverwrites.QuireOverwriteThenFlush", "", WarmupRounds + MeasuredRounds);
        var contenders = new List<DiskContender>
        {
            new()
            {
                Name = "PwriteThenFdatasync",
                Round = () => PwriteThenFdatasync(baselineLatencies),
                Latencies = baselineLatencies,
                UnitsPerRound = WritesPerRound,
                OperationsPerRound = WritesPerRound,
            },
            new()
            {
                Name = "QuireOverwriteThenFlush",
                BaselineName = "PwriteThenFdatasync",
                BeforeRound = counters.BeginRound,
                Round = () => QuireWriteThenFlush(quireLatencies),
                AfterRound = () => counters.EndRound(lastHandleClosed: false),
                Latencies = quireLatencies,
                UnitsPerRound = WritesPerRound,
                OperationsPerRound = WritesPerRound,
            },
        };
        DiskRounds.Run("durable-overwrite", "4 KiB overwrite made durable (write, then flush), file resident", "writes/s", Target, WarmupRounds, MeasuredRounds, contenders);
    }

    private void PwriteThenFdatasync(LatencyLog latencies)
    {
        for (int i = 0; i < WritesPerRound; i++)
        {
            long start = Stopwatch.GetTimestamp();
            RandomAccess.Write(_handle, _buffer, _offsets[_baselineNext++]);
            LinuxFileCalls.FlushData(_handle);
            latencies.Record(start);
        }
    }

    private void QuireWriteThenFlush(LatencyLog latencies)
    {
        for (int i = 0; i < WritesPerRound; i++)
        {
            long start = Stopwatch.GetTimestamp();
            _quire.File.Write(_offsets[_quireNext++], _buffer);
            _quire.File.Flush();
            latencies.Record(start);
        }
    }
}
