// SequentialWrites: writing a new file 4 times the pool front to back and making it durable.
// CachedFile.Write in chunks and then Flush, with the cache's store buffered or O_DIRECT,
// against RandomAccess.Write of the same chunks and then RandomAccess.FlushToDisk (the
// baseline), with chunks of 4 KiB and of 64 KiB. The pool fills after a quarter of the file, so
// the rest is written while the page writer cleans dirty pages and the writers are throttled.
// Each round creates the file empty (untimed) and closes it after (untimed). The device's own
// sequential write bandwidth is a reference in the same rounds: O_DIRECT 1 MiB pwrites from an
// aligned buffer, four in flight (four threads taking the file's megabytes in turn, so one
// sequential stream with a queue depth of four), and an fdatasync: no cache at all. Its file is
// PREALLOCATED (fallocate, made durable, untimed), as fio's is: into a new, empty file every
// O_DIRECT write extends it, which ext4 serialises under the inode lock with a block allocation
// each, so the reference measured allocation as well as the device: it gave 517 MiB/s where fio
// gives 1.25 GB/s into a preallocated file, and the cache "beat the device" by 1.5x.
// Targets: Quire at least the baseline's MiB/s, and at least 0.9x the device reference's.
// The report adds the cache's average write size, durable flushes per file, peak not-durable
// bytes and throttle pauses, and every contender's write latency percentiles.
// Measured by DiskRounds (why: see there).

using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

internal sealed class SequentialWrites : IDisposable
{
    private const int MiB = 1 << 20;
    private const long PoolBytes = 64L << 20;
    private const long FileBytes = PoolBytes * 4;
    private const int WarmupRounds = 1;
    private const int MeasuredRounds = 7;
    private const string DeviceReference = "DirectPwrite1MiBQueue4";
    private const int DeviceQueueDepth = 4;
    private static readonly int[] s_chunkSizes = [4096, 65536]; // a page, and 16 pages

    // A file per contender: a file the cache kept open would otherwise stop the next contender
    // from creating it (a read-write store holds an exclusive advisory lock).
    private readonly string _baselinePath = ScratchFiles.PathOf("sequential-write-baseline.bin");
    private readonly string _bufferedPath = ScratchFiles.PathOf("sequential-write-buffered.bin");
    private readonly string _directPath = ScratchFiles.PathOf("sequential-write-direct.bin");
    private readonly string _devicePath = ScratchFiles.PathOf("sequential-write-device.bin");
    private readonly PageCache _bufferedCache = new(new PageCacheOptions { MemoryLimitBytes = PoolBytes, UseDirectIO = false });
    private readonly PageCache _directCache = new(new PageCacheOptions { MemoryLimitBytes = PoolBytes, UseDirectIO = true });
    private SafeFileHandle? _handle;
    private CachedFile? _file;

    public static void Run()
    {
        using var writes = new SequentialWrites();
        writes.Measure();
    }

    public void Dispose()
    {
        _handle?.Dispose();
        _file?.Dispose();
        _bufferedCache.Dispose();
        _directCache.Dispose();
        File.Delete(_baselinePath);
        File.Delete(_bufferedPath);
        File.Delete(_directPath);
        File.Delete(_devicePath);
    }

    private void Measure()
    {
        using var deviceChunk = new AlignedBuffer(MiB);
        new Random(RandomOffsets.Seed).NextBytes(deviceChunk.Span);
        var deviceLatencies = new LatencyLog();
        var contenders = new List<DiskContender>
        {
            new()
            {
                Name = DeviceReference,
                BeforeRound = () => _handle = LinuxFileCalls.CreatePreallocatedForDirectWriting(_devicePath, FileBytes),
                Round = () => DirectWrite(deviceChunk, deviceLatencies),
                AfterRound = () =>
                {
                    _handle!.Dispose();
                    _handle = null;
                },
                Latencies = deviceLatencies,
                UnitsPerRound = FileBytes / MiB,
                OperationsPerRound = FileBytes / MiB,
            },
        };
        foreach (int chunkBytes in s_chunkSizes)
        {
            byte[] chunk = new byte[chunkBytes];
            new Random(RandomOffsets.Seed).NextBytes(chunk);
            var latencies = new LatencyLog();
            contenders.Add(new DiskContender
            {
                Name = "RandomAccessWriteThenFlushToDisk",
                Parameters = $"ChunkBytes={chunkBytes}",
                BeforeRound = () => _handle = File.OpenHandle(_baselinePath, FileMode.Create, FileAccess.ReadWrite, FileShare.None),
                Round = () => RandomAccessWrite(chunk, latencies),
                Latencies = latencies,
                AfterRound = () =>
                {
                    _handle!.Dispose();
                    _handle = null;
                },
                UnitsPerRound = FileBytes / MiB,
                OperationsPerRound = FileBytes / chunkBytes,
            });
            contenders.Add(QuireContender("QuireBufferedWriteThenFlush", _bufferedCache, _bufferedPath, chunk));
            contenders.Add(QuireContender("QuireDirectWriteThenFlush", _directCache, _directPath, chunk));
        }

        DiskRounds.Run("sequential-write", "Sequential write of a file 4x the pool, then a durable flush", "MiB/s", 1.0, WarmupRounds, MeasuredRounds, contenders, new Dictionary<string, double> { [DeviceReference] = 0.9 });
    }

    private DiskContender QuireContender(string name, PageCache cache, string path, byte[] chunk)
    {
        string parameters = $"ChunkBytes={chunk.Length}";
        var latencies = new LatencyLog();
        var counters = new QuireRoundCounters(cache, $"SequentialWrites.{name}", parameters, WarmupRounds + MeasuredRounds);
        return new DiskContender
        {
            Name = name,
            Parameters = parameters,
            BaselineName = "RandomAccessWriteThenFlushToDisk",
            References = [DeviceReference],
            Latencies = latencies,
            BeforeRound = () =>
            {
                _file = cache.Open(path, FileMode.Create, FileAccess.ReadWrite);
                bool direct = _file.FileObject.Store is FileBackingStore { IsDirectIO: true };
                if (direct != cache.Options.UseDirectIO)
                {
                    throw new InvalidOperationException($"'{path}' was opened with O_DIRECT {(direct ? "on" : "off")}, not as the contender {name} says.");
                }

                counters.BeginRound();
            },
            Round = () => QuireWrite(chunk, latencies),
            AfterRound = () =>
            {
                _file!.Dispose(); // nothing is dirty after the timed Flush; closing evicts the pages
                _file = null;
                counters.EndRound(lastHandleClosed: true);
            },
            UnitsPerRound = FileBytes / MiB,
            OperationsPerRound = FileBytes / chunk.Length,
        };
    }

    private void DirectWrite(AlignedBuffer chunk, LatencyLog latencies)
    {
        int chunks = (int)(FileBytes / chunk.Length);
        DiskRounds.OnThreads(DeviceQueueDepth, 0, DeviceQueueDepth, (thread, _, _) =>
        {
            for (int index = thread; index < chunks; index += DeviceQueueDepth)
            {
                long start = Stopwatch.GetTimestamp();
                RandomAccess.Write(_handle!, chunk.Span, (long)index * chunk.Length);
                lock (latencies)
                {
                    latencies.Record(start);
                }
            }
        });
        LinuxFileCalls.FlushData(_handle!);
    }

    private void RandomAccessWrite(byte[] chunk, LatencyLog latencies)
    {
        for (long offset = 0; offset < FileBytes; offset += chunk.Length)
        {
            long start = Stopwatch.GetTimestamp();
            RandomAccess.Write(_handle!, chunk, offset);
            latencies.Record(start);
        }

        RandomAccess.FlushToDisk(_handle!);
    }

    private void QuireWrite(byte[] chunk, LatencyLog latencies)
    {
        for (long offset = 0; offset < FileBytes; offset += chunk.Length)
        {
            long start = Stopwatch.GetTimestamp();
            _file!.Write(offset, chunk);
            latencies.Record(start);
        }

        _file!.Flush();
    }
}
