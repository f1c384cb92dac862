// Proves the page writer's policy with its step function on a manual clock: background writeback
// above the threshold, expiry after DirtyExpire, laptop mode, clustering of adjacent pages into
// one vectored write clipped at end of file, short runs held back in the background only while
// they may still grow, StartWriteback writing what it names at once without making it durable,
// durable flushes batched over many writes (not one per pass), the page writer working whenever a
// writer is paused, and that a failing file does not stop a healthy one.

using Quire.Testing;
using Quire.Tests.Infrastructure;
using Quire.Writeback;

namespace Quire.Tests.Writeback;

[Collection("Writeback")]
public sealed class PageWriterTests
{
    private const int PageSize = 4096;

    private static PageCacheOptions Options(ManualTimeProvider clock, bool laptopMode = false, int frameCount = 100) => new()
    {
        MemoryLimitBytes = (long)frameCount * PageSize,
        BackgroundDirtyRatio = 0.10,
        DirtyRatio = 0.20,
        MaxClusterBytes = 16 * PageSize,
        TimeProvider = clock,
        StartPageWriter = false,
        LaptopMode = laptopMode,
    };

    [Fact]
    public void BackgroundPassWritesOnlyAboveTheBackgroundThreshold()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(Options(clock));
        var store = new FaultyStore();
        using CachedFile file = cache.Open(store);

        file.Write(0, new byte[5 * PageSize]);
        Assert.Null(cache.PageWriter.RunOnePass().Mode);
        Assert.Empty(store.Writes);

        file.Write(5 * PageSize, new byte[10 * PageSize]);
        var pass = cache.PageWriter.RunOnePass();
        Assert.Equal("background", pass.Mode);
        Assert.True(cache.GetStatistics().NotDurablePages <= cache.GetStatistics().BackgroundThresholdPages);
        Assert.True(store.FlushCount >= 1, "Written pages are made durable so their frames can be reclaimed.");
    }

    [Fact]
    public void InTheBackgroundShortRunsWaitOnlyWhileTheyMayStillGrow()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(Options(clock));
        var store = new FaultyStore();
        using CachedFile file = cache.Open(store);
        for (int page = 0; page < 24; page += 2)
        {
            file.Write((long)page * PageSize, new byte[PageSize]); // twelve runs of one page: a random writer
        }

        Assert.Equal("background", cache.PageWriter.RunOnePass().Mode);
        Assert.Empty(store.Writes); // just dirtied: they may be the tails of sequential writers

        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal("background", cache.PageWriter.RunOnePass().Mode);
        Assert.NotEmpty(store.Writes); // nobody extended them: written as they are
        Assert.True(cache.GetStatistics().NotDurablePages <= cache.GetStatistics().BackgroundThresholdPages);
    }

    [Fact]
    public void StartWritebackWritesAShortFreshRunAtOnceWithoutMakingItDurable()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(Options(clock));
        var store = new FaultyStore();
        using CachedFile file = cache.Open(store);
        file.Write(0, new byte[3 * PageSize]);

        file.StartWriteback(0, long.MaxValue);
        cache.PageWriter.RunOnePass();

        Assert.Equal([(0L, 3L * PageSize)], store.Writes);
        Assert.Equal(0, store.FlushCount); // sync_file_range(WRITE): written, not made durable
        Assert.Equal(3, cache.GetStatistics().UnsyncedPages);
    }

    [Fact]
    public void DurableFlushesAreBatchedOverManyWritesNotOnePerPass()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(Options(clock, frameCount: 200)); // background 20 pages, limit 40
        var store = new FaultyStore();
        using CachedFile file = cache.Open(store);
        int page = 0;
        void WriteScattered(int count)
        {
            for (int i = 0; i < count; i++, page += 2)
            {
                file.Write((long)page * PageSize, new byte[PageSize]); // runs of one page: a random writer
            }

            clock.Advance(TimeSpan.FromMilliseconds(100)); // old enough to be written as they are
        }

        WriteScattered(25);
        Assert.Equal("background", cache.PageWriter.RunOnePass().Mode);
        Assert.Equal(25, store.Writes.Count); // a file alone is written up to the dirty limit in one turn
        Assert.Equal(1, store.FlushCount); // 25 unsynced pages, over half the limit: one durable flush for all of them
        Assert.Equal(0, cache.GetStatistics().UnsyncedPages);

        WriteScattered(10);
        Assert.Null(cache.PageWriter.RunOnePass().Mode); // below the background threshold: nothing to do yet
        Assert.Equal(25, store.Writes.Count);
        Assert.Equal(1, store.FlushCount);

        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal("expiry", cache.PageWriter.RunOnePass().Mode);
        Assert.Equal(35, store.Writes.Count);
        Assert.Equal(0, cache.GetStatistics().NotDurablePages); // expiry writes and makes durable what is left
        Assert.Equal(2, store.FlushCount);
    }

    [Fact]
    public void WhileAWriterIsPausedThePageWriterWritesEvenBelowTheBackgroundThreshold()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(Options(clock));
        var store = new FaultyStore();
        using CachedFile file = cache.Open(store);
        file.Write(0, new byte[4 * PageSize]);
        Assert.Null(cache.PageWriter.RunOnePass().Mode);

        cache.Counts.AddThrottledWriters(1); // as a writer paused by a strict file limit is counted
        try
        {
            PageWriterPass pass = cache.PageWriter.RunOnePass();
            Assert.Equal("background", pass.Mode);
            Assert.True(pass.Urgent); // the paused writer waits for it: normal I/O priority, never idle
            Assert.Equal([(0L, 4L * PageSize)], store.Writes);
        }
        finally
        {
            cache.Counts.AddThrottledWriters(-1);
        }
    }

    [Fact]
    public void ExpiredPagesAreWrittenAfterDirtyExpireAndNotBefore()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(Options(clock));
        var store = new FaultyStore();
        using CachedFile file = cache.Open(store);
        file.Write(0, new byte[2 * PageSize]);

        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("expiry", cache.PageWriter.RunOnePass().Mode);
        Assert.Empty(store.Writes);

        clock.Advance(TimeSpan.FromSeconds(26));
        Assert.Equal("expiry", cache.PageWriter.RunOnePass().Mode);
        Assert.Equal([(0L, 2L * PageSize)], store.Writes);
        Assert.Equal(0, cache.GetStatistics().NotDurablePages);
    }

    [Fact]
    public void LaptopModeHoldsWritebackUntilTheStoreIsReadThenWritesEverything()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(Options(clock, laptopMode: true));
        var store = new FaultyStore();
        using CachedFile file = cache.Open(store);
        using CachedFile other = cache.Open(new MemoryBackingStore("other", new byte[PageSize]));
        file.Write(0, new byte[12 * PageSize]); // above the background threshold of 10 pages

        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Null(cache.PageWriter.RunOnePass().Mode);
        Assert.Empty(store.Writes);

        other.Read(0, new byte[16]); // the device is awake
        Assert.Equal("everything", cache.PageWriter.RunOnePass().Mode);
        Assert.Equal(0, cache.GetStatistics().NotDurablePages);
    }

    [Fact]
    public void AdjacentDirtyPagesBecomeOneWriteAndGapsSplitClusters()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(Options(clock));
        var store = new FaultyStore();
        using CachedFile file = cache.Open(store);

        file.Write(0, new byte[8 * PageSize]);
        file.Write(10 * PageSize, new byte[3 * PageSize]);
        file.Flush();

        Assert.Equal([(0L, 8L * PageSize), (10L * PageSize, 3L * PageSize)], store.Writes);
        Assert.Equal(13 * PageSize, store.Content.Length);
    }

    [Fact]
    public void LongRunsAreSplitAtMaxClusterBytesAndTheLastPageIsClippedAtEndOfFile()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(Options(clock));
        var store = new FaultyStore();
        using CachedFile file = cache.Open(store);

        file.Write(0, new byte[(20 * PageSize) + 100]);
        file.Flush();

        Assert.Equal([(0L, 16L * PageSize), (16L * PageSize, (4L * PageSize) + 100)], store.Writes);
        Assert.Equal((20 * PageSize) + 100, store.Content.Length);
    }

    [Fact]
    public void AFileWhoseWritesFailDoesNotStopAHealthyOne()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(Options(clock));
        var failing = new FaultyStore("failing") { FailWritesWith = FaultyStore.EIO };
        var healthy = new FaultyStore("healthy");
        using CachedFile bad = cache.Open(failing);
        using CachedFile good = cache.Open(healthy);
        bad.Write(0, new byte[8 * PageSize]);
        good.Write(0, new byte[8 * PageSize]);

        for (int i = 0; i < 3; i++)
        {
            cache.PageWriter.RunOnePass();
            clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(8 * PageSize, healthy.Content.Length);
        Assert.Equal(8, cache.GetStatistics().DirtyPages);
        Assert.True(failing.FailedWrites >= 1);
        Assert.True(failing.FailedWrites <= 2, "The failing file is backed off, not retried on every pass.");
        failing.FailWritesWith = 0; // heal, or disposing the handle would rightly throw: its data is not durable
    }

    [Fact]
    public void AFailedFileIsRetriedAfterItsBackOffAndItsDataLands()
    {
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(Options(clock));
        var store = new FaultyStore { FailWritesWith = FaultyStore.EIO };
        using CachedFile file = cache.Open(store);
        byte[] data = Enumerable.Range(0, 12 * PageSize).Select(i => (byte)(i * 7)).ToArray();
        file.Write(0, data);

        cache.PageWriter.RunOnePass();
        Assert.Equal(12, cache.GetStatistics().DirtyPages);

        store.FailWritesWith = 0; // the device heals; nobody writes or flushes
        clock.Advance(TimeSpan.FromSeconds(1));
        cache.PageWriter.RunOnePass();

        Assert.Equal(data, store.Durable);
        Assert.Equal(0, cache.GetStatistics().NotDurablePages);
    }
}
