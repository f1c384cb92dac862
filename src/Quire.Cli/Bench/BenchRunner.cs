// BenchRunner: runs one workload through one engine and measures it. The same runner, files and
// seeds serve every engine, so the engines differ only in how they do the I/O.
//
// One run, in order (Run):
//   1. PrepareEngineFiles: files the workload writes anew are recreated sparse at full length (mmap
//      cannot grow a file); on a cold start the OS page cache is emptied of every file.
//   2. Open the files through the engine; warm up the read set when the workload says so.
//   3. Start the workers (one thread each) and, on the calling thread, sample the engine every
//      100 ms until a worker reaches the end of its file, the operation budget is spent, the
//      duration is over, or the run is interrupted.
//   4. Flush, when the workload ends with one and was not interrupted; the flush is timed as part
//      of the run (many-files: the last commit). Segment files are closed and deleted, untimed.
// Besides the engine's counters, a run reads the throttle time of Quire's statistics (a share of
// the writers' wall time) and the busy time of the device holding the files (DiskActivity).
// Counted operations are the workload's own (see WorkloadPlan.OperationName); threads doing
// background work (the scanner, the large file's writers) count bytes only.
//
// Locking: (I) immutable; (R) only the calling thread. What the workers share is in BenchRunState.
// A worker's exception stops the run and is rethrown by Run.

using System.Diagnostics;
using Quire.Cli.Bench.Engines;
using Quire.Cli.Bench.Machine;
using Quire.Cli.Bench.Storage;

namespace Quire.Cli.Bench;

internal sealed class BenchRunner
{
    public const string StoppedByInterrupt = "interrupted";
    public const string StoppedByEndOfFile = "end of file";
    public const string StoppedByDuration = "duration";
    public const string StoppedByOperationCount = "operation count";

    // 100 ms: fine enough to see the page writer's passes and the throttle in the chart, coarse
    // enough that sampling (GetStatistics scans the frames) costs nothing measurable.
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);

    private readonly BenchSettings _settings; // (I)
    private readonly WorkloadPlan _plan; // (I)
    private readonly ZipfianGenerator? _zipf; // (I)
    private readonly BenchStorage _storage; // (I) the object; its methods run on the calling thread only
    private readonly DiskActivity? _disk; // (I) the device holding the files, where there is one

    private BenchRunState _run = new(null, 1); // (R) the current run's shared state, new for each run

    public BenchRunner(BenchSettings settings, WorkloadPlan plan, BenchStorage storage)
    {
        _settings = settings;
        _plan = plan;
        _storage = storage;
        if (plan.Workload is BenchWorkload.RandReadZipf or BenchWorkload.Mixed)
        {
            _zipf = new ZipfianGenerator(Math.Max(2, plan.DataFileBytes / plan.PageSize));
        }

        string diskReason = "n/a: the files are not on a local disk";
        _disk = storage is LocalBenchStorage local ? DiskActivity.ForPath(local.Directory, out diskReason) : null;
        DiskActivitySource = _disk is null ? "n/a: " + diskReason.Replace("n/a: ", string.Empty, StringComparison.Ordinal) : diskReason;
    }

    /// <summary>Where the device's busy time comes from, or why there is none.</summary>
    public string DiskActivitySource { get; }

    public BenchStorage Storage => _storage;

    public string DataPath => _storage.DataName;

    public string SecondPath => _storage.SecondName;

    public IEnumerable<string> Paths => _plan.SecondFileBytes > 0 ? [DataPath, SecondPath] : [DataPath];

    private long ChunkCount => _plan.DataFileBytes / _plan.SequentialIoBytes;

    /// <summary>Writes the files every engine reads, once, before the first engine's run. Untimed.</summary>
    public void PrepareSharedFiles(CancellationToken cancellationToken)
    {
        if (_plan.PrefillData)
        {
            _storage.Prefill(DataPath, _plan.DataFileBytes, _settings.Seed, cancellationToken);
        }

        if (_plan.Workload == BenchWorkload.ScanResistance)
        {
            _storage.Prefill(SecondPath, _plan.SecondFileBytes, _settings.Seed, cancellationToken);
        }
    }

    /// <summary>Deletes the files this runner created.</summary>
    public void DeleteFiles()
    {
        foreach (string path in (string[])[DataPath, SecondPath])
        {
            _storage.Delete(path);
        }
    }

    /// <summary>Runs the workload through <paramref name="engine"/>; an interrupt ends it early with the partial figures.</summary>
    /// <param name="engine">The engine, fresh: created for this run.</param>
    /// <param name="onSample">Called on the calling thread after each sample; the last call has Finished set.</param>
    /// <param name="cancellationToken">Ends the run early; the result is then marked interrupted.</param>
    public EngineResult Run(BenchEngine engine, Action<BenchProgress>? onSample, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _run = new BenchRunState(_settings.Operations, ChunkCount);
        PrepareEngineFiles();
        using BenchFile? data = _plan.WritesSegments ? null : engine.Open(DataPath, _plan.DataFileBytes);
        using BenchFile? second = _plan.SecondFileBytes > 0 ? engine.Open(SecondPath, _plan.SecondFileBytes) : null;
        if (_plan.WarmUp)
        {
            WarmUp(_plan.Workload == BenchWorkload.ScanResistance ? second! : data!, _plan.Workload == BenchWorkload.ScanResistance ? _plan.SecondFileBytes : _plan.DataFileBytes, cancellationToken);
        }

        EngineSnapshot before = engine.Snapshot();
        SegmentWriter? segments = _plan.WritesSegments ? new SegmentWriter(engine, _storage, _plan, _settings.Seed) : null;
        try
        {
            return RunWorkers(engine, data, second, segments, before, onSample, cancellationToken);
        }
        finally
        {
            segments?.DeleteAll();
        }
    }

    private EngineResult RunWorkers(BenchEngine engine, BenchFile? data, BenchFile? second, SegmentWriter? segments, EngineSnapshot before, Action<BenchProgress>? onSample, CancellationToken cancellationToken)
    {
        var samples = new List<BenchSample> { Sample(TimeSpan.Zero, before, before) };
        long peakDirty = before.DirtyBytes ?? 0;
        double residencySum = 0;
        int residencyCount = 0;
        List<BenchWorker> workers = CreateWorkers(data, second, segments);
        using var running = new CountdownEvent(workers.Count);
        long? ioTicksBefore = _disk?.ReadIoTicksMilliseconds();
        long start = Stopwatch.GetTimestamp();
        foreach (BenchWorker worker in workers)
        {
            worker.Start(running);
        }

        // Step 3: sample until every worker has stopped.
        while (true)
        {
            bool finished = running.IsSet;
            if (!finished)
            {
                WaitHandle.WaitAny([running.WaitHandle, cancellationToken.WaitHandle], SampleInterval);
                finished = running.IsSet;
            }

            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            if (cancellationToken.IsCancellationRequested)
            {
                _run.Stop(StoppedByInterrupt);
            }
            else if (_settings.Duration is { } duration && elapsed >= duration)
            {
                _run.Stop(StoppedByDuration);
            }

            EngineSnapshot snapshot = engine.Snapshot();
            BenchSample sample = Sample(elapsed, before, snapshot);
            samples.Add(sample);
            peakDirty = Math.Max(peakDirty, snapshot.DirtyBytes ?? 0);
            if (_plan.Workload == BenchWorkload.ScanResistance && second!.ResidentFraction is { } resident)
            {
                residencySum += resident;
                residencyCount++;
            }

            onSample?.Invoke(new BenchProgress(finished ? 1 : Fraction(elapsed), finished, sample, snapshot));
            if (finished)
            {
                break;
            }
        }

        foreach (BenchWorker worker in workers)
        {
            worker.Thread.Join();
        }

        _run.ThrowIfFailed();

        // Step 4: the flush, timed as part of the run, which ends when the last worker stopped
        // plus the flush (not when the sampling loop noticed).
        long end = workers.Max(worker => worker.EndTimestamp);
        var flushes = new LatencyHistogram();
        foreach (BenchWorker worker in workers)
        {
            flushes.Add(worker.Flushes);
        }

        TimeSpan? flushTime = null;
        if (_plan.FlushAtEnd && _run.StoppedBy != StoppedByInterrupt)
        {
            long flushStart = Stopwatch.GetTimestamp();
            if (segments is not null)
            {
                segments.Finish(flushes);
            }
            else
            {
                data!.Flush();
                if (_plan.FlushesAsItRuns)
                {
                    flushes.RecordTicks(Stopwatch.GetTimestamp() - flushStart);
                }
            }

            flushTime = Stopwatch.GetElapsedTime(flushStart);
        }

        TimeSpan total = Stopwatch.GetElapsedTime(start, end) + flushTime.GetValueOrDefault();
        long? ioTicksAfter = _disk?.ReadIoTicksMilliseconds();
        EngineSnapshot after = engine.Snapshot();
        peakDirty = Math.Max(peakDirty, after.DirtyBytes ?? 0);
        samples.Add(Sample(Stopwatch.GetElapsedTime(start), before, after));
        var latency = new LatencyHistogram();
        foreach (BenchWorker worker in workers)
        {
            latency.Add(worker.Histogram);
        }

        (double? hitRatio, string hitSource) = HitRatio(before, after, residencyCount == 0 ? null : residencySum / residencyCount);
        return new EngineResult
        {
            Engine = engine.Name,
            Elapsed = total,
            Operations = _run.Operations,
            Bytes = _run.Bytes,
            Latency = latency,
            FlushTime = flushTime,
            HitRatio = hitRatio,
            HitRatioSource = hitSource,
            DeviceReadBytes = after.DeviceReadBytes - before.DeviceReadBytes,
            DeviceWrittenBytes = after.DeviceWrittenBytes - before.DeviceWrittenBytes,
            DeviceBytesSource = engine.DeviceBytesSource,
            WriteIos = after.WriteIos - before.WriteIos,
            WriteIosSource = engine.WriteIosSource,
            PeakDirtyBytes = after.DirtyBytes is null ? null : peakDirty,
            DirtySource = engine.DirtySource,
            ThrottlePauses = after.ThrottlePauses - before.ThrottlePauses,
            FlushLatency = _plan.FlushesAsItRuns ? flushes : null,
            ThrottleShare = after.Statistics is { } last && before.Statistics is { } first && total > TimeSpan.Zero
                ? (last.ThrottleTime - first.ThrottleTime) / (total * _settings.Threads)
                : null,
            DeviceBusy = ioTicksBefore is { } ticksBefore && ioTicksAfter is { } ticksAfter && total > TimeSpan.Zero
                ? Math.Min(1, (ticksAfter - ticksBefore) / total.TotalMilliseconds)
                : null,
            DeviceBusySource = DiskActivitySource,
            BackgroundBytes = _run.BackgroundBytes,
            StoppedBy = _run.StoppedBy ?? StoppedByEndOfFile,
            Samples = samples,
        };
    }

    private (double? Ratio, string Source) HitRatio(EngineSnapshot before, EngineSnapshot after, double? hotResidency)
    {
        if (_plan.Workload == BenchWorkload.ScanResistance && hotResidency is not null)
        {
            return (hotResidency, "the hot set's mean residency in the pool while the scan ran (the hit ratio of its uniform reads)");
        }

        if (_plan.Workload != BenchWorkload.ScanResistance && after.Hits is { } hits && after.Misses is { } misses)
        {
            long lookups = hits - before.Hits!.Value + (misses - before.Misses!.Value);
            return (lookups == 0 ? null : (double)(hits - before.Hits!.Value) / lookups, "cache statistics: hits / (hits + misses) in the timed phase");
        }

        return (null, "n/a: the engine does not say");
    }

    private BenchSample Sample(TimeSpan elapsed, EngineSnapshot before, EngineSnapshot now) => new(
        elapsed.TotalSeconds,
        _run.Operations,
        _run.Bytes,
        now.DirtyBytes,
        now.ThrottlePauses - before.ThrottlePauses,
        now.BackgroundThresholdBytes,
        now.DirtyLimitBytes,
        now.DeviceWrittenBytes - before.DeviceWrittenBytes);

    private double Fraction(TimeSpan elapsed)
    {
        double fraction = _plan.RewritesDataFile ? 0 : _run.ChunkFraction;
        if (_settings.Duration is { } duration)
        {
            fraction = Math.Max(fraction, elapsed / duration);
        }

        if (_settings.Operations is { } operations)
        {
            fraction = Math.Max(fraction, (double)_run.Operations / operations);
        }

        return Math.Clamp(fraction, 0, 1);
    }

    private void PrepareEngineFiles()
    {
        if (!_plan.PrefillData && !_plan.WritesSegments)
        {
            _storage.CreateBlank(DataPath, _plan.DataFileBytes);
        }

        if (_plan.Workload == BenchWorkload.FsyncLatency)
        {
            _storage.CreateBlank(SecondPath, _plan.SecondFileBytes);
        }

        if (_plan.ColdStart)
        {
            _storage.DropCaches(Paths, _settings.ColdCache);
        }
    }


    private void WarmUp(BenchFile file, long length, CancellationToken cancellationToken)
    {
        using var buffer = new NativeBuffer(_plan.SequentialIoBytes);
        for (long fileOffset = 0; fileOffset < length; fileOffset += buffer.ByteCount)
        {
            cancellationToken.ThrowIfCancellationRequested();
            file.Read(fileOffset, buffer.Span);
        }
    }

    /// <summary>The next sequential chunk's offset in the data file, or -1 past its end (never, where the plan rewrites the file).</summary>
    private long NextChunkOffset()
    {
        long chunk = _plan.RewritesDataFile ? _run.NextChunkAround() : _run.NextChunk();
        return chunk < 0 ? -1 : chunk * _plan.SequentialIoBytes;
    }

    private List<BenchWorker> CreateWorkers(BenchFile? data, BenchFile? second, SegmentWriter? segments)
    {
        int threads = _settings.Threads;
        int page = _plan.PageSize;
        int sequential = _plan.SequentialIoBytes;
        long dataPages = _plan.DataFileBytes / page;
        var workers = new List<BenchWorker>();
        void Add(bool counted, Func<BenchWorker.State, long> step) =>
            workers.Add(new BenchWorker(_run, workers.Count, counted, _plan.SequentialIoBytes, _settings.Seed, step));

        long SequentialWrite(BenchWorker.State state)
        {
            long fileOffset = NextChunkOffset();
            if (fileOffset >= 0)
            {
                data!.Write(fileOffset, state.Buffer[..sequential]);
            }

            return fileOffset < 0 ? -1 : sequential;
        }

        long SequentialRead(BenchWorker.State state)
        {
            long fileOffset = NextChunkOffset();
            if (fileOffset >= 0)
            {
                data!.Read(fileOffset, state.Buffer[..sequential]);
            }

            return fileOffset < 0 ? -1 : sequential;
        }

        switch (_plan.Workload)
        {
            case BenchWorkload.SeqWrite or BenchWorkload.Throttle:
                Repeat(threads, () => Add(counted: true, SequentialWrite));
                break;
            case BenchWorkload.SeqRead:
                Repeat(threads, () => Add(counted: true, SequentialRead));
                break;
            case BenchWorkload.RandWrite:
                Repeat(threads, () => Add(counted: true, state =>
                {
                    data!.Write(state.Random.NextInt64(dataPages) * page, state.Buffer[..page]);
                    return page;
                }));
                break;
            case BenchWorkload.RandReadHot:
                Repeat(threads, () => Add(counted: true, state =>
                {
                    data!.Read(state.Random.NextInt64(dataPages) * page, state.Buffer[..page]);
                    return page;
                }));
                break;
            case BenchWorkload.RandReadZipf:
                Repeat(threads, () => Add(counted: true, state =>
                {
                    data!.Read(_zipf!.Next(state.Random) * page, state.Buffer[..page]);
                    return page;
                }));
                break;
            case BenchWorkload.Mixed:
                Repeat(threads, () => Add(counted: true, state =>
                {
                    long fileOffset = _zipf!.Next(state.Random) * page;
                    if (state.Random.Next(2) == 0)
                    {
                        data!.Write(fileOffset, state.Buffer[..page]);
                    }
                    else
                    {
                        data!.Read(fileOffset, state.Buffer[..page]);
                    }

                    return page;
                }));
                break;
            case BenchWorkload.ScanResistance:
                long hotPages = _plan.SecondFileBytes / page;
                Repeat(threads, () => Add(counted: true, state =>
                {
                    second!.Read(state.Random.NextInt64(hotPages) * page, state.Buffer[..page]);
                    return page;
                }));
                Add(counted: false, SequentialRead);
                break;
            case BenchWorkload.FsyncLatency:
                long smallPages = _plan.SecondFileBytes / page;
                Add(counted: true, state => Append(second!, state, smallPages));
                Repeat(threads, () => Add(counted: false, SequentialWrite));
                break;
            case BenchWorkload.Checkpoint:
                long interval = _settings.FlushEveryBytes;
                Repeat(threads, () => Add(counted: true, state =>
                {
                    // The checkpoint due since this worker's last write is timed apart from the
                    // write that follows it.
                    if (state.FlushDue)
                    {
                        long flushStart = Stopwatch.GetTimestamp();
                        data!.Flush();
                        state.Flushes.RecordTicks(Stopwatch.GetTimestamp() - flushStart);
                        state.FlushDue = false;
                        state.StartTimestamp = Stopwatch.GetTimestamp();
                    }

                    data!.Write(state.Random.NextInt64(dataPages) * page, state.Buffer[..page]);
                    state.FlushDue = _run.AddCheckpointBytes(page, interval);
                    return page;
                }));
                break;
            case BenchWorkload.ManyFiles:
                Add(counted: true, segments!.WriteChunk);
                break;
            default:
                throw new InvalidOperationException($"No workers for workload {_plan.Workload}.");
        }

        return workers;
    }

    private long Append(BenchFile file, BenchWorker.State state, long smallPages)
    {
        // Wait for the next tick, untimed, then time the append and its flush.
        while (Stopwatch.GetElapsedTime(state.NextDueTimestamp) < TimeSpan.Zero && !_run.Stopping)
        {
            Thread.Sleep(1);
        }

        // A late append (the last flush took longer than the interval) starts the next at once,
        // without a burst to catch up.
        long now = Stopwatch.GetTimestamp();
        state.NextDueTimestamp = Math.Max(state.NextDueTimestamp + (long)(WorkloadPlan.AppendInterval.TotalSeconds * Stopwatch.Frequency), now);
        state.StartTimestamp = now;
        int page = _plan.PageSize;
        file.Write(state.AppendCount++ % smallPages * page, state.Buffer[..page]);
        file.Flush();
        return page;
    }

    private static void Repeat(int count, Action action)
    {
        for (int i = 0; i < count; i++)
        {
            action();
        }
    }
}
