// FasterBenchmark: a FASTER key-value store (Microsoft.FASTER.Core 2.6.5) on Quire against FASTER
// on its own device, and on its own device with its record-level read cache, in the same process
// run.
//
// Engines: "FASTER device" is what Devices.CreateLogDevice gives on Linux, ManagedLocalStorageDevice
// (the package ships no native Linux device): FileStreams opened write-through, so every write is
// durable when it completes; its no-buffering flag is Windows' and is ignored on Linux, so its reads
// go through the OS page cache, bounded only by the memory the process may use (run the benchmark
// in a memory cgroup to bound it; see docs/BENCHMARKS.md). "FASTER read cache N MiB" adds FASTER's
// read cache of N MiB to that device. "Quire N MiB" is QuireDevice over a PageCache of N MiB with
// O_DIRECT (the pool is all the file cache it has), writes durable on completion as FASTER expects.
// Every engine has the same 32 MiB hybrid log in memory.
//
// Cold reads come after a restart: the store and its device are closed, the OS page cache's pages
// of the files are dropped (posix_fadvise), and a new store recovers from the checkpoint.

using System.Numerics;
using FASTER.core;
using Quire.Faster;

namespace Quire.ClientBenchmarks.FasterClient;

internal static class FasterBenchmark
{
    public const string DeviceEngine = "FASTER device";

    private const long MiB = 1 << 20;

    /// <summary>
    /// Runs the rounds and returns the markdown table. <paramref name="cacheMiB"/> is the one cache
    /// size to run (a power of two), for a run inside a memory cgroup sized to it; null for the
    /// default sizes.
    /// </summary>
    public static string Run(ScratchDirectory scratch, bool quick, int rounds, int? cacheMiB)
    {
        // Full: 1 M records of 264 bytes, a log of about 270 MiB, against 64 MiB of cache (a quarter
        // of the log) and 256 MiB (nearly all of it). Quick: 1/10 of the records and of the caches,
        // the hybrid log 4 MiB, the same proportions.
        FasterWorkloadSize size = quick
            ? new FasterWorkloadSize(100_000) { MemorySizeBits = 22, SegmentSizeBits = 23 }
            : new FasterWorkloadSize(1_000_000);
        int[] cacheBits = cacheMiB is { } single ? [BitOperations.Log2((uint)single) + 20] : quick ? [23, 25] : [26, 28];
        var warmUpSize = new FasterWorkloadSize(20_000) { MemorySizeBits = 22, SegmentSizeBits = 23 };

        string readCacheEngine = ReadCacheName(cacheBits[0]);
        var contenders = new List<Contender> { Device(size), ReadCache(size, cacheBits[0]) };
        contenders.AddRange(cacheBits.Select(bits => Quire(size, bits)));
        var warmUp = new List<Contender> { Device(warmUpSize), ReadCache(warmUpSize, 22), Quire(warmUpSize, 22) };
        EngineRun[][] runs = RoundRunner.Run(scratch, "faster", warmUp, contenders, rounds);

        string title = $"FASTER 2.6.5: {size.Records:#,0} records of 264 bytes loaded, {size.MixOperations:#,0} operations of each "
            + $"YCSB-like mix (zipfian 0.99), {size.ColdReads:#,0} uniform reads after a restart; hybrid log "
            + $"{(1L << size.MemorySizeBits) / MiB} MiB; {rounds} rounds";
        const string note = "Rates are operations per second (load: upserts, ending with the log flushed to the device; "
            + "50/50 and 95/5: reads and updates; cold reads: reads after recovery with nothing cached) or the phase's "
            + "time (checkpoint, recover). Ratios are each engine's rate over the baseline's in the same round: median "
            + "(range over the rounds); above 1 is faster. The OS page cache under FASTER's device is not bounded by "
            + "the benchmark itself; see the run's memory notes.";
        return WorkloadReport.Build(title, note, contenders, runs, [DeviceEngine, readCacheEngine]);
    }

    private static string ReadCacheName(int bits) => $"FASTER read cache {(1L << bits) / MiB} MiB";

    private static Contender Device(FasterWorkloadSize size) => new(DeviceEngine, directory =>
        FasterWorkload.Run(DeviceEngine, size, directory, () =>
        {
            IDevice device = Devices.CreateLogDevice(Path.Combine(directory, "hlog.log"));
            return new FasterSetup(device, ReadCache: null, Statistics: null, device.Dispose);
        }));

    private static Contender ReadCache(FasterWorkloadSize size, int bits)
    {
        string name = ReadCacheName(bits);
        return new Contender(name, directory => FasterWorkload.Run(name, size, directory, () =>
        {
            IDevice device = Devices.CreateLogDevice(Path.Combine(directory, "hlog.log"));
            // 1 MiB read cache pages as the log's; 0.1: FASTER's default second-chance fraction.
            var readCache = new ReadCacheSettings { MemorySizeBits = bits, PageSizeBits = size.PageSizeBits, SecondChanceFraction = 0.1 };
            return new FasterSetup(device, readCache, Statistics: null, device.Dispose);
        }));
    }

    private static Contender Quire(FasterWorkloadSize size, int bits)
    {
        string name = $"Quire {(1L << bits) / MiB} MiB";
        return new Contender(name, directory => FasterWorkload.Run(name, size, directory, () =>
        {
            var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1L << bits, UseDirectIO = true });
            var device = new QuireDevice(cache, Path.Combine(directory, "hlog.log"));
            return new FasterSetup(device, ReadCache: null, cache.GetStatistics, () =>
            {
                device.Dispose();
                cache.Dispose();
            });
        }));
    }
}
