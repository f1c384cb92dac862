// Regression tests for bugs the reliability suites found, each reduced to the fewest calls that
// show it. Every test names the seed or sweep case that found it; a twin on a path the bug did not
// take says so. The truncate checks also run against a cache with a planted bug (CanaryTests).

using Quire.Internal;
using Quire.Testing;

namespace Quire.Tests.Reliability;

public sealed class RegressionTests
{
    private const int PageSize = 4096;

    /// <summary>
    /// Found by the seeded simulation (seed 26 of the default range, before the fix): a write that
    /// failed after storing part of its bytes had lengthened the store without the cache knowing,
    /// so a later truncate whose store cut failed left no cut pending, and a flush then returned
    /// success with the stale bytes past the new end durable (P2, P7).
    /// </summary>
    [Fact]
    public void AShortWritePastTheStoreEndIsCutOffByALaterTruncateEvenIfItsFirstCutFails()
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 16 * PageSize, StartPageWriter = false });
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        using CachedFile file = cache.Open(store);
        file.Write(0, new byte[2 * PageSize]);
        file.Flush();

        file.Write(2 * PageSize, Enumerable.Repeat((byte)7, PageSize).ToArray());
        store.AddRule(new FaultRule { Operations = StoreOperations.Write, NthCall = 1, Effect = FaultEffect.ShortWrite, ShortWriteBytes = PageSize });
        Assert.Throws<WritebackFailedException>(file.Flush); // 4095 bytes landed past the store's old end
        store.AddRule(FaultRule.FailNth(StoreOperations.SetLength, 1));
        Assert.Throws<BackingStoreException>(() => file.SetLength(10_000));
        store.Heal();

        Assert.Equal(10_000, file.Length);
        file.Flush();
        Assert.Equal(10_000, disk.DurableContent.Length);
    }

    /// <summary>
    /// Found by the seeded simulation (seed 34 of the default range, before the fix): a truncate
    /// whose store cut failed left the cut pending; the file was then extended (by a write, then
    /// cut back to a size with a hole at its end), and the flush that applied the pending cut left
    /// the store at the old, smaller length: the flush returned with the size not durable (P2).
    /// </summary>
    [Fact]
    public void AFlushThatAppliesAPendingTruncateAlsoMakesTheLargerSizeDurable()
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 16 * PageSize, StartPageWriter = false });
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        using CachedFile file = cache.Open(store);
        file.Write(0, Enumerable.Repeat((byte)1, 3 * PageSize).ToArray());
        file.Flush();

        store.AddRule(FaultRule.FailAll(StoreOperations.SetLength));
        Assert.Throws<BackingStoreException>(() => file.SetLength(5000)); // the cut is left pending
        file.Write(30_000, new byte[100]);
        Assert.Throws<BackingStoreException>(() => file.SetLength(20_000)); // a hole from 5000 to 20000
        store.Heal();
        file.Flush();

        byte[] durable = disk.DurableContent;
        Assert.Equal(20_000, durable.Length);
        Assert.True(durable.AsSpan(5000).IndexOfAnyExcept((byte)0) < 0, "Bytes past the first cut read as zeros.");
        Assert.True(durable.AsSpan(0, 5000).IndexOfAnyExcept((byte)1) < 0, "Bytes before the cut are kept.");
    }

    /// <summary>
    /// Found by the seeded simulation (seed 2, after the fix above): a file grown by a write that
    /// was never written back, then cut to a size still above the store's length by a truncate whose
    /// store change failed, kept the store short; no dirty page covered the new end, so the flush
    /// returned with the size not durable (P2).
    /// </summary>
    [Fact]
    public void AFailedTruncateThatLeavesTheStoreShorterThanTheSizeIsRepairedByTheNextFlush()
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 16 * PageSize, StartPageWriter = false });
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        using CachedFile file = cache.Open(store);
        file.Write(10 * PageSize, new byte[PageSize]); // the store is still empty
        store.AddRule(FaultRule.FailAll(StoreOperations.SetLength, IOErrorKind.NoSpace));
        Assert.Throws<BackingStoreException>(() => file.SetLength(5 * PageSize)); // drops the only page
        store.Heal();

        Assert.Equal(5 * PageSize, file.Length);
        file.Flush();
        Assert.Equal(5 * PageSize, disk.DurableContent.Length);
    }
    /// <summary>
    /// Found by the long simulation (seed 35 of 5,000 operations, QUIRE_LONG_RUN=1): a truncate
    /// whose store cut failed left the cut pending; the page writer then made the file's written
    /// pages durable with a sync of the store, which cleared its "changed since the last sync"
    /// mark; with nothing dirty the file counted as durable, and the next flush, the store healed,
    /// returned at once without making the cut: the old length stayed durable (P2).
    /// </summary>
    [Fact]
    public void AFileWithAStoreCutPendingIsNotDurableAfterTheStoreIsSyncedWithoutTheCut()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1024 * PageSize, StartPageWriter = false, TimeProvider = clock });
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        using CachedFile file = cache.Open(store);
        file.Write(0, Enumerable.Repeat((byte)1, 3 * PageSize).ToArray());
        file.StartWriteback(0, long.MaxValue);
        cache.PageWriter.RunOnePass(); // written, not yet durable (far below the unsynced data that starts a sync)
        Assert.Equal(3, cache.GetStatistics().UnsyncedPages);

        store.AddRule(FaultRule.FailAll(StoreOperations.SetLength));
        Assert.Throws<BackingStoreException>(() => file.SetLength(2 * PageSize)); // at a page boundary: the cut is left pending
        clock.Advance(cache.Options.WritebackInterval + cache.Options.DirtyExpire);
        cache.PageWriter.RunOnePass(); // expiry: the written pages are made durable; the cut fails again
        Assert.Equal(0, cache.GetStatistics().NotDurablePages);
        store.Heal();
        file.Flush();

        Assert.Equal(2 * PageSize, disk.DurableContent.Length);
    }

    /// <summary>
    /// Found by the long simulation (seed 985 of 5,000 operations, QUIRE_LONG_RUN=1): with
    /// MaxFrameWait zero (one reclaim attempt), a demand allocation threw
    /// PageCacheExhaustedException although a clean, unpinned page could be reclaimed. Every page on
    /// the inactive queue had been used again, so the one scan promoted them all to the active queue
    /// and claimed nothing; the active queue was not looked at again until the next attempt, which
    /// a zero wait never makes. Here every resident page is clean and has been read twice.
    /// </summary>
    [Fact]
    public void AFullPoolOfCleanPagesEachReadTwiceGivesUpAFrameWithoutWaiting()
    {
        const int frameCount = 8;
        using PageCache cache = ZeroWaitCache(frameCount);
        using CachedFile file = cache.Open(CleanStore(2 * frameCount));
        var page = new byte[PageSize];
        for (int round = 0; round < 2; round++)
        {
            for (int p = 0; p < frameCount; p++)
            {
                Assert.Equal(PageSize, file.Read((long)p * PageSize, page));
            }
        }

        Assert.Equal(0, cache.GetStatistics().DirtyPages);
        Assert.Equal(PageSize, file.Read(frameCount * PageSize, page)); // needs a frame: one of the clean pages gives it up
        Assert.All(page, b => Assert.Equal(frameCount, b));
    }
    /// <summary>
    /// Found by the long simulation (seed 373 of 5,000 operations, QUIRE_LONG_RUN=1): with
    /// MaxFrameWait zero, a write of several pages held the frames it had taken, which were all the
    /// inactive queue had, and asked for one more; the clean pages read twice sat on the active
    /// queue, which the queues' ratio kept there, so the write was told the pool was exhausted.
    /// </summary>
    [Fact]
    public void AWriteThatHoldsTheWholeInactiveQueueStillGetsACleanActiveFrame()
    {
        const int frameCount = 8;
        using PageCache cache = ZeroWaitCache(frameCount); // a write takes up to 5 pages at once
        using CachedFile file = cache.Open(CleanStore(2 * frameCount));
        var page = new byte[PageSize];
        for (int round = 0; round < 2; round++)
        {
            for (int p = 0; p < 4; p++)
            {
                Assert.Equal(PageSize, file.Read((long)p * PageSize, page)); // four clean pages, each used again
            }
        }

        for (int p = 8; p < 12; p++)
        {
            Assert.Equal(PageSize, file.Read((long)p * PageSize, page)); // four more, read once: the pool is full
        }

        // Five pages at once: the four resident ones are held, and the fifth needs a clean page's
        // frame: the scan promotes the pages used again and finds only the write's own behind them.
        byte[] data = Quire.Tests.Infrastructure.BytePatterns.Create(5 * PageSize, 3);
        file.Write(8 * PageSize, data);

        var back = new byte[data.Length];
        Assert.Equal(data.Length, file.Read(8 * PageSize, back));
        Assert.Equal(data, back);
    }

    /// <summary>
    /// Found by the simulation's fault-log oracle (default seed 2): a FlushAll whose own write of a
    /// file failed threw that failure but left its cursor for the file behind the error epoch the
    /// failure started, so the next FlushAll reported the same epoch again with nothing failed since.
    /// </summary>
    [Fact]
    public void AFlushAllThatReportedAFilesOwnFailureDoesNotReportItsEpochAgain()
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 16 * PageSize, StartPageWriter = false });
        var store = new FaultInjectingBackingStore(new CrashSimulatingBackingStore());
        using CachedFile file = cache.Open(store);
        file.Write(0, new byte[PageSize]);
        store.AddRule(FaultRule.FailNth(StoreOperations.Write, 1));
        Assert.Throws<WritebackFailedException>(cache.FlushAll); // its own write failed
        store.Heal();

        cache.FlushAll(); // nothing failed since: nothing to report
        Assert.Throws<WritebackFailedException>(file.Flush); // the handle has its own cursor: told once
        file.Flush();
    }

    /// <summary>A pool of <paramref name="frameCount"/> frames whose demand allocations never wait (one reclaim attempt), with no read-ahead and no page writer.</summary>
    private static PageCache ZeroWaitCache(int frameCount) => new(new PageCacheOptions
    {
        MemoryLimitBytes = frameCount * PageSize,
        MinFreeFrames = 1,
        MaxReadAheadBytes = 0,
        MaxFrameWait = TimeSpan.Zero,
        StartPageWriter = false,
    });

    /// <summary>
    /// Found by the simulation's swallowed-error oracle (seed 38 of the default range, before the
    /// fix): a page whose write had failed kept its failed mark when a truncate cut off every dirty
    /// sector it had and left it clean, so its file's error epoch never ended; a later failure
    /// joined the epoch every handle had already reported, and a flush returned without telling
    /// its handle of it (P3).
    /// </summary>
    [Fact]
    public void ATruncateThatCleansAFailedPageEndsItsPartOfTheErrorEpoch() => TruncateACleanedFailedPage(PlantedBugs.None);

    /// <summary>
    /// The twin of the test above where the truncate drops the failed page instead of cleaning it
    /// (T4: a truncate of a range whose write-back is failing): the epoch its failure started is
    /// still reported once to each handle, a flush after the truncate does not fail for the
    /// dropped page, and a later failure starts a new epoch, which every handle hears of (P3).
    /// </summary>
    [Fact]
    public void ATruncateThatDropsAFailingPageReportsItsEpochOnceAndEndsIt() => TruncateAFailingPage(PlantedBugs.None);

    /// <summary>The checks above that a planted bug of the error accounting can fail, by name, against a cache with the given planted bugs.</summary>
    internal static IReadOnlyList<(string Name, Action<PlantedBugs> Run)> TruncateChecks { get; } =
    [
        ("a truncate that cleans a failed page", TruncateACleanedFailedPage),
        ("a truncate that drops a failing page", TruncateAFailingPage),
    ];

    private static void TruncateAFailingPage(PlantedBugs plantedBugs)
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 16 * PageSize, StartPageWriter = false, PlantedBugs = plantedBugs });
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        using CachedFile first = cache.Open(store);
        using CachedFile second = cache.Open(store);
        first.Write(0, new byte[2 * PageSize]);
        first.Flush();
        first.Write(PageSize, [.. Enumerable.Repeat((byte)5, PageSize)]);
        store.AddRule(FaultRule.FailAll(StoreOperations.Write));
        Assert.Throws<WritebackFailedException>(first.Flush); // its own write failed: page 1 is failing

        first.SetLength(PageSize); // drops page 1 while its write-back still fails
        Assert.Throws<WritebackFailedException>(second.Flush); // the epoch, which this handle has not heard of
        second.Flush(); // once
        first.Flush(); // the dropped page is no failure of the flush
        store.Heal();
        Assert.Equal(PageSize, disk.DurableContent.Length);

        AssertANewFailureReachesBothHandles(first, second, store, fileOffset: 0);
    }

    private static void TruncateACleanedFailedPage(PlantedBugs plantedBugs)
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 16 * PageSize, StartPageWriter = false, PlantedBugs = plantedBugs });
        var store = new FaultInjectingBackingStore(new CrashSimulatingBackingStore());
        using CachedFile first = cache.Open(store);
        using CachedFile second = cache.Open(store);
        first.Write(0, new byte[PageSize]);
        first.Flush();
        first.Write(3000, new byte[1000]); // dirty sectors 5-7 of page 0
        store.AddRule(FaultRule.FailAll(StoreOperations.Write));
        Assert.Throws<WritebackFailedException>(first.Flush);
        Assert.Throws<WritebackFailedException>(second.Flush); // both handles have heard of the epoch
        store.Heal();
        first.SetLength(2048); // cuts off every dirty sector of the failed page: it is clean now
        first.Flush();
        second.Flush();

        AssertANewFailureReachesBothHandles(first, second, store, fileOffset: PageSize);
    }

    /// <summary>A new failure is a new epoch, which every handle must hear of: a write at <paramref name="fileOffset"/> fails once, and each handle's next flush reports it once.</summary>
    private static void AssertANewFailureReachesBothHandles(CachedFile first, CachedFile second, FaultInjectingBackingStore store, long fileOffset)
    {
        first.Write(fileOffset, new byte[100]);
        store.AddRule(FaultRule.FailNth(StoreOperations.Write, 1));
        Assert.Throws<WritebackFailedException>(second.Flush); // its own write failed
        store.Heal();
        Assert.Throws<WritebackFailedException>(first.Flush);
        first.Flush();
        second.Flush();
    }

    /// <summary>A store of <paramref name="pages"/> pages, each filled with its page number.</summary>
    private static MemoryBackingStore CleanStore(int pages) =>
        new("clean", [.. Enumerable.Range(0, pages * PageSize).Select(i => (byte)(i / PageSize))]);
}
