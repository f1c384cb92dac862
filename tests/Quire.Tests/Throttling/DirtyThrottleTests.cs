// Proves dirty throttling: the pause follows the control curve (zero at or below freerun whatever
// a file's share, growing towards the limit, never above 200 ms: a property over random inputs);
// a file's share speeds up or slows down its writers only above freerun, unless the strict file
// limit is on; written but not yet durable data does not pause a writer; below the limit a
// writer pauses rarely and never for less than the minimum pause; a writer over the limit is woken
// by the writes that bring the data below it (no lost wake-ups); and with a slow store and real
// threads the data to write stays under the limit plus the documented margin. The checks that run
// a cache also run against one with a planted bug (CanaryTests). An asynchronous writer is
// paused without a thread: its WriteAsync returns a pending task that completes when writeback
// makes room, cancellation ends the pause with the data kept, and a stall is reported through the
// task with the bytes written.

using FsCheck;
using FsCheck.Fluent;
using Quire.Internal;
using Quire.Testing;
using Quire.Tests.Infrastructure;
using Quire.Throttling;

namespace Quire.Tests.Throttling;

[Collection("Writeback")]
public sealed class DirtyThrottleTests
{
    /// <summary>The checks of this class that run a cache, by name, against a cache with the given planted bugs.</summary>
    internal static IReadOnlyList<(string Name, Action<PlantedBugs> Run)> CacheChecks { get; } =
    [
        ("a writer over the limit woken below it", ResumeOnceBelowTheLimit),
        ("data written but not durable", WriteWhileNothingBecomesDurable),
        ("pauses below the limit", PauseBelowTheLimit),
        ("a slow store", WriteToASlowStore),
    ];

    [Fact]
    public void NoPauseBelowTheFreerunPoint()
    {
        Assert.Equal(TimeSpan.Zero, DirtyThrottle.ComputePause(149, 100, 200, 10, 1, 1000, 32));
    }

    [Fact]
    public void ThePauseGrowsTowardsTheLimitAndIsTheMaximumAtIt()
    {
        TimeSpan nearSetpoint = DirtyThrottle.ComputePause(170, 100, 200, 170, 1, 1000, 32);
        TimeSpan nearLimit = DirtyThrottle.ComputePause(195, 100, 200, 195, 1, 1000, 32);
        Assert.True(nearLimit > nearSetpoint, $"{nearLimit} > {nearSetpoint}");
        Assert.Equal(DirtyThrottle.MaxPause, DirtyThrottle.ComputePause(200, 100, 200, 200, 1, 1000, 32));
    }

    [Fact]
    public void ASlowFileIsPausedLongerThanAFastOneAtTheSameGlobalLevel()
    {
        TimeSpan slow = DirtyThrottle.ComputePause(160, 100, 200, 60, 1.0 / 16, 100, 32);
        TimeSpan fast = DirtyThrottle.ComputePause(160, 100, 200, 20, 15.0 / 16, 10_000, 32);
        Assert.True(slow > fast, $"{slow} > {fast}");
    }

    [Fact]
    public void BelowFreerunNoWriterIsPausedHoweverSmallItsFilesShare()
    {
        Prop.ForAll(
            Gen.Choose(0, 1500).ToArbitrary(),
            Gen.Choose(0, 1500).ToArbitrary(),
            Gen.Choose(0, 1000).ToArbitrary(),
            (toWrite, fileToWrite, sharePerMille) =>
                DirtyThrottle.ComputePause(toWrite, 1000, 2000, fileToWrite, sharePerMille / 1000.0, 1000, 32) == TimeSpan.Zero).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void AStrictFileLimitPausesAFileOverItsShareEvenBelowFreerun()
    {
        TimeSpan relaxed = DirtyThrottle.ComputePause(1100, 1000, 2000, 900, 0.25, 1000, 32);
        TimeSpan strict = DirtyThrottle.ComputePause(1100, 1000, 2000, 900, 0.25, 1000, 32, strict: true);
        Assert.Equal(TimeSpan.Zero, relaxed);
        Assert.Equal(DirtyThrottle.MaxPause, strict); // 900 pages is over its limit of 2000 x 0.25
        Assert.Equal(TimeSpan.Zero, DirtyThrottle.ComputePause(1100, 1000, 2000, 300, 0.25, 1000, 32, strict: true));
    }

    [Fact]
    public void AboveFreerunAFileUnderItsShareIsPacedFasterThanOneOverIt()
    {
        TimeSpan under = DirtyThrottle.ComputePause(1700, 1000, 2000, 100, 0.5, 1000, 32);
        TimeSpan over = DirtyThrottle.ComputePause(1700, 1000, 2000, 1600, 0.5, 1000, 32);
        Assert.True(under < over, $"{under} < {over}");

        // The factor is bounded: a file far over its share still gets a quarter of the rate.
        double ratio = DirtyThrottle.PositionRatio(1700, 1000, 2000, 2000, 0.01, strict: false) / DirtyThrottle.PositionRatio(1700, 1000, 2000, 0, 0.01, strict: false);
        Assert.True(ratio >= 0.25 / 2 - 1e-9, $"ratio {ratio}");
    }

    [Fact]
    public void DataWrittenButNotYetDurableDoesNotPauseAWriter() => WriteWhileNothingBecomesDurable(PlantedBugs.None);

    private static void WriteWhileNothingBecomesDurable(PlantedBugs plantedBugs)
    {
        const int pageSize = 4096;
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1024 * pageSize, PlantedBugs = plantedBugs });
        using var flushGate = new ManualResetEventSlim(false);
        var store = new FaultyStore { FlushGate = flushGate };
        using CachedFile file = cache.Open(store);
        int limit = cache.GetStatistics().DirtyLimitPages;
        int background = cache.GetStatistics().BackgroundThresholdPages;

        // Fill the unsynced bound: everything is written, and no durable flush can finish.
        byte[] page = new byte[pageSize];
        for (int i = 0; i < limit; i++)
        {
            file.Write((long)i * pageSize, page);
        }

        file.StartWriteback(0, long.MaxValue);
        Assert.True(SpinWait.SpinUntil(() => cache.GetStatistics().UnsyncedPages >= limit - background, TimeSpan.FromSeconds(30)), "The page writer wrote the pages.");

        // As much again, staying under the background threshold in data to write: not one pause.
        long pausesBefore = cache.GetStatistics().ThrottlePauses;
        for (int i = 0; i < background / 2; i++)
        {
            file.Write((long)(limit + i) * pageSize, page);
        }

        Assert.Equal(pausesBefore, cache.GetStatistics().ThrottlePauses);
        flushGate.Set();
    }

    [Fact]
    public void ThePauseIsNeverNegativeNorLongerThanTheMaximum()
    {
        Prop.ForAll(
            Gen.Choose(0, 10_000).ToArbitrary(),
            Gen.Choose(1, 5000).ToArbitrary(),
            Gen.Choose(0, 10_000).ToArbitrary(),
            (dirty, bandwidth, fileDirty) =>
            {
                TimeSpan pause = DirtyThrottle.ComputePause(dirty, 1000, 2000, fileDirty, 0.5, bandwidth, 32);
                TimeSpan strict = DirtyThrottle.ComputePause(dirty, 1000, 2000, fileDirty, 0.5, bandwidth, 32, strict: true);
                return pause >= TimeSpan.Zero && pause <= DirtyThrottle.MaxPause && strict >= TimeSpan.Zero && strict <= DirtyThrottle.MaxPause;
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void BelowTheLimitAWriterPausesRarelyAndForAtLeastTheMinimum() => PauseBelowTheLimit(PlantedBugs.None);

    private static void PauseBelowTheLimit(PlantedBugs plantedBugs)
    {
        const int pageSize = 4096;
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = 4096L * pageSize,
            TimeProvider = clock,
            PlantedBugs = plantedBugs,
        });
        using var gate = new ManualResetEventSlim(false);
        var store = new FaultyStore { WriteGate = gate };
        CachedFile file = cache.Open(store);
        int limit = cache.GetStatistics().DirtyLimitPages;
        int freerun = (cache.GetStatistics().BackgroundThresholdPages + limit) / 2;

        // The store's first write blocks, so nothing becomes durable and the pauses are the
        // throttle's alone. The clock moves only while the writer is paused, a millisecond at a
        // time, so each pause ends and its length is the throttle's own.
        byte[] page = new byte[pageSize];
        var writer = new Thread(() =>
        {
            for (int i = 0; i < limit - 1; i++)
            {
                file.Write((long)i * pageSize, page);
            }
        });
        writer.Start();
        while (!writer.Join(0))
        {
            if (cache.Counts.ThrottledWriters > 0)
            {
                clock.Advance(TimeSpan.FromMilliseconds(1));
            }

            Thread.Yield();
        }

        PageCacheStatistics statistics = cache.GetStatistics();
        gate.Set();
        file.Dispose();
        int throttledPages = limit - 1 - freerun;
        Assert.InRange(statistics.ThrottlePauses, 1, throttledPages / 16);
        Assert.True(statistics.ThrottleTime >= DirtyThrottle.MinPause * statistics.ThrottlePauses, $"{statistics.ThrottlePauses} pauses took {statistics.ThrottleTime}: each is at least {DirtyThrottle.MinPause}.");
    }

    /// <summary>
    /// No lost wake-ups (C5): a writer over the limit resumes as soon as completed writes bring the
    /// data below it, not when its pause runs out. The clock never moves, so only a wake-up can end
    /// its wait; the store writes one page at a time, slowly, and makes nothing durable (a durable
    /// flush wakes every waiter), so the data falls from over the limit to freerun over hundreds of
    /// milliseconds, and the writer must have resumed on the way, well above freerun.
    /// </summary>
    [Fact]
    public void AWriterOverTheLimitIsWokenByTheWritesThatBringTheDataBelowIt() => ResumeOnceBelowTheLimit(PlantedBugs.None);

    private static void ResumeOnceBelowTheLimit(PlantedBugs plantedBugs)
    {
        const int pageSize = 4096;
        var clock = new ManualTimeProvider();
        using var writeGate = new ManualResetEventSlim(false); // before the cache: the cache's disposal may still write
        using var flushGate = new ManualResetEventSlim(false);
        using var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = 256 * pageSize,
            DirtyBytes = 64 * pageSize,
            BackgroundDirtyBytes = 16 * pageSize,
            MaxClusterBytes = pageSize,
            MaxWritesInFlight = 1,
            TimeProvider = clock,
            PlantedBugs = plantedBugs,
        });
        var store = new FaultyStore { WriteGate = writeGate, FlushGate = flushGate, WriteDelay = TimeSpan.FromMilliseconds(10) };
        CachedFile file = cache.Open(store);
        int limit = cache.GetStatistics().DirtyLimitPages;
        int freerun = (cache.GetStatistics().BackgroundThresholdPages + limit) / 2;
        int resumedAt = -1;
        var writer = new Thread(() =>
        {
            file.Write(0, new byte[(limit + 8) * pageSize]); // over the limit in one write: paused at once
            resumedAt = cache.Counts.PagesToWrite;
        });
        bool resumed;
        try
        {
            writer.Start();
            Assert.True(SpinWait.SpinUntil(() => cache.Counts.ThrottledWriters > 0, TimeSpan.FromSeconds(30)), "The writer over the limit was paused.");
            writeGate.Set(); // the page writer's writes complete, one page every 10 ms
            resumed = writer.Join(TimeSpan.FromSeconds(30));
        }
        finally
        {
            writeGate.Set();
            flushGate.Set();
        }

        Assert.True(resumed, "The writer resumed without the clock moving: a completed write woke it.");
        Assert.True(resumedAt > freerun, $"The writer resumed with {resumedAt} pages to write, at or below freerun ({freerun}): the writes that took the data below the limit ({limit}) did not wake it.");
        file.Dispose();
    }

    [Fact]
    public void WithASlowStoreDataNotYetDurableStaysUnderTheLimitPlusTheMargin() => WriteToASlowStore(PlantedBugs.None);

    private static void WriteToASlowStore(PlantedBugs plantedBugs)
    {
        const int pageSize = 4096;
        const int writers = 2;
        using var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = 1024 * pageSize,
            MaxClusterBytes = 16 * pageSize,
            MaxWritesInFlight = 4,
            MaxWritebackStall = TimeSpan.FromSeconds(30),
            PlantedBugs = plantedBugs,
        });
        var stores = Enumerable.Range(0, writers).Select(i => new FaultyStore($"slow{i}") { WriteDelay = TimeSpan.FromMilliseconds(2) }).ToArray();
        CachedFile[] files = [.. stores.Select(s => cache.Open(s))];
        int limit = cache.GetStatistics().DirtyLimitPages;
        int maxToWrite = 0;
        int maxNotDurable = 0;
        using var done = new CancellationTokenSource();
        var sampler = new Thread(() =>
        {
            while (!done.IsCancellationRequested)
            {
                PageCacheStatistics sample = cache.GetStatistics();
                maxToWrite = Math.Max(maxToWrite, sample.PagesToWrite);
                maxNotDurable = Math.Max(maxNotDurable, sample.NotDurablePages);
                Thread.Sleep(1);
            }
        });
        sampler.Start();
        Thread[] threads = [.. files.Select(file => new Thread(() =>
        {
            var chunk = new byte[16 * pageSize];
            for (int i = 0; i < 150; i++)
            {
                file.Write((long)i * chunk.Length, chunk);
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromMinutes(2)), "A throttled writer finished: throttling never hangs.");
        }

        done.Cancel();
        sampler.Join();
        PageCacheStatistics statistics = cache.GetStatistics();
        Assert.True(statistics.ThrottlePauses > 0, "The writers outran the slow store and were throttled.");
        Assert.True(maxToWrite <= limit + (writers * 64), $"Pages to write peaked at {maxToWrite}; the limit is {limit} plus {writers} x 64.");

        // Written but not durable data has a bound of its own (CacheLimits.UnsyncedBoundPages: half
        // the frames the dirty limit leaves, never below the limit; 410 pages here, not the limit
        // again, which a slow durable flush on a loaded machine let it pass), which each writing
        // thread of the page writer may pass by a page. The sampler reads the three gauges one
        // after the other, so a run claimed or completed between two reads counts twice: a
        // cluster per writing thread.
        int unsyncedBound = new CacheLimits(cache.Options).UnsyncedBoundPages;
        int slack = cache.Options.MaxWritesInFlight * (1 + 16);
        Assert.True(maxNotDurable <= limit + unsyncedBound + (writers * 64) + slack, $"Not durable peaked at {maxNotDurable} pages; the bound is the limit {limit} plus the unsynced bound {unsyncedBound} plus {writers} x 64 plus {slack}.");
        foreach (CachedFile file in files)
        {
            file.Dispose();
        }
    }

    [Fact]
    public async Task AnAsynchronousWriterIsPausedWithoutAThreadAndGoesOnWhenWritebackMakesRoom()
    {
        using var gated = new GatedCache();
        int limit = gated.Cache.GetStatistics().DirtyLimitPages;

        // The store's writes block, so the data to write only grows and the clock never moves: the
        // first pause is the first WriteAsync that returns before it is done.
        (ValueTask paused, int pages) = StartWritesUntilOnePauses(gated.File, limit + 64, CancellationToken.None);
        Assert.False(paused.IsCompleted, "The call returned while its pause goes on: no thread is held.");
        Assert.Equal(1, gated.Cache.Counts.ThrottledWriters);

        gated.Gate.Set(); // writeback makes room and wakes the paused writer
        await paused.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, gated.Cache.Counts.ThrottledWriters);
        Assert.True(gated.Cache.GetStatistics().ThrottlePauses >= 1);
        AssertPagesRead(gated.File, pages);
    }

    [Fact]
    public async Task CancellingAPausedAsynchronousWriteEndsThePauseAndKeepsItsData()
    {
        using var gated = new GatedCache();
        using var cancellation = new CancellationTokenSource();
        (ValueTask paused, int pages) = StartWritesUntilOnePauses(gated.File, gated.Cache.GetStatistics().DirtyLimitPages + 64, cancellation.Token);
        Assert.False(paused.IsCompleted);

        await cancellation.CancelAsync();
        await paused.AsTask().WaitAsync(TimeSpan.FromSeconds(30)); // completes: the data was in the cache before the pause
        Assert.Equal(0, gated.Cache.Counts.ThrottledWriters);
        AssertPagesRead(gated.File, pages);
        Assert.True(gated.Cache.GetStatistics().PagesToWrite >= pages - 1, "Nothing was written back: the gate is still shut.");
    }

    [Fact]
    public async Task AnAsynchronousWriterStalledOverTheLimitGetsTheStallThroughItsTaskWithTheBytesWritten()
    {
        using var gated = new GatedCache(maxWritebackStall: TimeSpan.FromSeconds(5));
        int limit = gated.Cache.GetStatistics().DirtyLimitPages;

        // Write page by page, moving the clock only while a write is paused, until a write over
        // the limit gives up: the device writes nothing, so the data never drops.
        byte[] data = new byte[GatedCache.PageSize];
        WritebackStalledException? stalled = null;
        for (int i = 0; i < limit + 64 && stalled is null; i++)
        {
            Task write = gated.File.WriteAsync((long)i * GatedCache.PageSize, data).AsTask();
            while (!write.IsCompleted)
            {
                gated.Clock.Advance(TimeSpan.FromMilliseconds(50));
                await Task.Yield();
            }

            stalled = write.Exception?.InnerException as WritebackStalledException;
            Assert.True(stalled is not null || write.IsCompletedSuccessfully, $"Write {i}: {write.Exception}");
        }

        Assert.NotNull(stalled);
        Assert.Equal((long)GatedCache.PageSize, stalled.Data[CachedFile.BytesWrittenKey]);
        Assert.True(gated.Cache.GetStatistics().PagesToWrite >= limit);
    }

    /// <summary>Writes pages 0, 1, ... with WriteAsync until one returns a pending task; returns it and the pages written.</summary>
    private static (ValueTask Paused, int Pages) StartWritesUntilOnePauses(CachedFile file, int maxPages, CancellationToken cancellationToken)
    {
        byte[] data = new byte[GatedCache.PageSize];
        for (int i = 0; i < maxPages; i++)
        {
            data[0] = (byte)(i + 1);
            ValueTask write = file.WriteAsync((long)i * GatedCache.PageSize, data, cancellationToken);
            if (!write.IsCompleted)
            {
                return (write, i + 1);
            }

            Assert.True(write.IsCompletedSuccessfully);
        }

        Assert.Fail($"No write of {maxPages} pages was paused.");
        return default;
    }

    private static void AssertPagesRead(CachedFile file, int pages)
    {
        byte[] read = new byte[GatedCache.PageSize];
        for (int i = 0; i < pages; i++)
        {
            Assert.Equal(GatedCache.PageSize, file.Read((long)i * GatedCache.PageSize, read));
            Assert.Equal((byte)(i + 1), read[0]);
        }
    }

    /// <summary>
    /// A cache of 1,024 pages on a manual clock over a store whose writes wait at a gate, so the
    /// data to write only grows until the test opens it. Disposing opens the gate before it closes
    /// the file and the cache, so a test that fails with the gate shut does not hang in their flush.
    /// </summary>
    private sealed class GatedCache : IDisposable
    {
        public const int PageSize = 4096;

        public GatedCache(TimeSpan? maxWritebackStall = null)
        {
            Cache = new PageCache(new PageCacheOptions
            {
                MemoryLimitBytes = 1024L * PageSize,
                TimeProvider = Clock,
                MaxWritebackStall = maxWritebackStall ?? new PageCacheOptions().MaxWritebackStall,
            });
            File = Cache.Open(new FaultyStore { WriteGate = Gate });
        }

        public ManualTimeProvider Clock { get; } = new();

        public ManualResetEventSlim Gate { get; } = new(false);

        public PageCache Cache { get; }

        public CachedFile File { get; }

        public void Dispose()
        {
            Gate.Set();
            File.Dispose();
            Cache.Dispose();
            Gate.Dispose();
        }
    }
}
