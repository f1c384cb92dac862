// Proves the reload half of warm restart (Restart/Prewarmer, PageCache.PrewarmAsync and the
// ResidentSetPath options) on real files: a cache reads chosen pages, saves its resident set and
// is disposed; a new cache reloads it and must then hold exactly the saved pages with the right
// data (read from memory: no miss), skip every file changed, truncated, replaced or deleted in
// between, stop at a full pool without evicting a page, leave reloaded pages colder than the
// application's, keep to its read rate on a manual clock, and stop when the cache is disposed.
// Page choices are seeded; the seed is in the assertion messages.

using Quire.Testing;
using Quire.Tests.Infrastructure;
using Xunit.Abstractions;
using static Quire.Tests.Restart.WarmRestartFixture;

namespace Quire.Tests.Restart;

public sealed class PrewarmerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public async Task ReloadHoldsExactlyTheSavedPagesWithTheirData(ulong seed)
    {
        output.WriteLine($"seed {seed}");
        using var directory = new TempDirectory();
        string dump = directory.File("resident.set");
        var random = new SeededRandom(seed);
        string[] paths = [directory.File("a.bin"), directory.File("b.bin")];
        var chosen = new long[paths.Length][];
        for (int f = 0; f < paths.Length; f++)
        {
            CreateDataFile(paths[f], f, 64);
            chosen[f] = [.. Enumerable.Range(0, 64).Where(_ => random.Next(3) == 0).Select(p => (long)p).Order()];
        }

        using (var before = new PageCache(Options()))
        {
            for (int f = 0; f < paths.Length; f++)
            {
                ReadPages(before, paths[f], f, chosen[f], times: 1 + (f % 2));
            }

            long saved = before.SaveResidentSet(dump);
            Assert.Equal(chosen.Sum(c => c.Length), saved);
        }

        using var after = new PageCache(Options());
        PrewarmResult result = await after.PrewarmAsync(dump).WaitAsync(s_wait);
        Assert.Equal(ResidentSetStatus.Loaded, result.Status);
        Assert.Equal(chosen.Sum(c => c.Length), result.PagesReloaded);
        Assert.Equal(paths.Length, result.FilesReloaded);
        for (int f = 0; f < paths.Length; f++)
        {
            Assert.True(chosen[f].SequenceEqual(ResidentPages(after, paths[f], 64)), $"seed {seed}: file {f} holds other pages than it saved.");
        }

        PageCacheStatistics start = after.GetStatistics();
        for (int f = 0; f < paths.Length; f++)
        {
            ReadPages(after, paths[f], f, chosen[f]);
        }

        PageCacheStatistics end = after.GetStatistics();
        Assert.Equal(0, end.Misses - start.Misses);
        Assert.Equal(chosen.Sum(c => c.Length), end.PrewarmedPages);
    }

    [Fact]
    public async Task FilesChangedDeletedTruncatedOrReplacedAreSkipped()
    {
        using var directory = new TempDirectory();
        string dump = directory.File("resident.set");
        string[] names = ["same", "appended", "truncated", "touched", "replaced", "deleted"];
        string[] paths = [.. names.Select(name => directory.File(name))];
        using (var before = new PageCache(Options()))
        {
            for (int f = 0; f < paths.Length; f++)
            {
                CreateDataFile(paths[f], f, 16);
                ReadPages(before, paths[f], f, [0, 1, 2, 8, 9]);
            }

            Assert.Equal(5 * paths.Length, before.SaveResidentSet(dump));
        }

        File.AppendAllText(paths[1], "more");
        using (var stream = new FileStream(paths[2], FileMode.Open))
        {
            stream.SetLength(5 * PageSize);
        }

        File.SetLastWriteTimeUtc(paths[3], File.GetLastWriteTimeUtc(paths[3]).AddSeconds(-10)); // same size, other time
        CreateDataFile(paths[4] + ".new", 4, 16); // the same bytes under a new inode, created before the old goes
        File.Move(paths[4] + ".new", paths[4], overwrite: true);
        File.Delete(paths[5]);

        using var after = new PageCache(Options());
        PrewarmResult result = await after.PrewarmAsync(dump).WaitAsync(s_wait);
        Assert.Equal(ResidentSetStatus.Loaded, result.Status);
        Assert.Equal(1, result.FilesReloaded);
        Assert.Equal(4, result.FilesChanged);
        Assert.Equal(1, result.FilesMissing);
        Assert.Equal(5, result.PagesReloaded);
        PageCacheStatistics statistics = after.GetStatistics();
        Assert.Equal(4, statistics.PrewarmChangedFiles);
        Assert.Equal(1, statistics.PrewarmMissingFiles);
        Assert.Equal(5, statistics.PrewarmedPages);
        Assert.Equal([0, 1, 2, 8, 9], ResidentPages(after, paths[0], 16));
        for (int f = 1; f < 5; f++)
        {
            Assert.Empty(ResidentPages(after, paths[f], 16));
        }
    }

    [Fact]
    public async Task ReloadStopsAtAFullPoolAndEvictsNothing()
    {
        using var directory = new TempDirectory();
        string dump = directory.File("resident.set");
        string big = directory.File("big.bin");
        CreateDataFile(big, 0, 512);
        using (var before = new PageCache(Options(memoryLimitBytes: 4L << 20))) // 1,024 frames
        {
            ReadPages(before, big, 0, Enumerable.Range(0, 512).Where(p => p % 2 == 0).Select(p => (long)p));
            before.SaveResidentSet(dump);
        }

        using var after = new PageCache(Options(memoryLimitBytes: 64 * PageSize));
        PrewarmResult result = await after.PrewarmAsync(dump).WaitAsync(s_wait);
        PageCacheStatistics statistics = after.GetStatistics();
        Assert.True(result.StoppedAtFullPool, "A reload of 256 pages into 64 frames stops at a full pool.");
        Assert.Equal(0, statistics.Evictions);
        Assert.Equal(statistics.PrewarmedPages, result.PagesReloaded);
        Assert.Equal(statistics.FrameCount, statistics.FreeFrames + result.PagesReloaded);
        Assert.True(statistics.FreeFrames > 0, "The reserve is left for the application's misses.");
    }

    [Fact]
    public async Task ReloadNeverEvictsPagesTheApplicationHoldsAndStaysColderThanThem()
    {
        using var directory = new TempDirectory();
        string dump = directory.File("resident.set");
        string saved = directory.File("saved.bin");
        string live = directory.File("live.bin");
        CreateDataFile(saved, 0, 128);
        CreateDataFile(live, 1, 40);
        using (var before = new PageCache(Options()))
        {
            ReadPages(before, saved, 0, Enumerable.Range(0, 128).Select(p => (long)p * 1), times: 2);
            before.SaveResidentSet(dump);
        }

        using var after = new PageCache(Options(memoryLimitBytes: 96 * PageSize));
        ReadPages(after, live, 1, Enumerable.Range(0, 40).Select(p => (long)p), times: 2);
        PrewarmResult result = await after.PrewarmAsync(dump).WaitAsync(s_wait);
        Assert.True(result.StoppedAtFullPool, "128 saved pages do not fit beside 40 live ones in 96 frames.");
        Assert.Equal(40, ResidentPages(after, live, 40).Length);
        Assert.Equal(0, after.GetStatistics().Evictions);

        // Reloaded pages come in as read-ahead does: unreferenced on the inactive queue, so reclaim
        // takes them before the application's pages, which were used twice.
        ReadPages(after, live, 1, Enumerable.Range(0, 40).Select(p => (long)p));
        string other = directory.File("other.bin");
        CreateDataFile(other, 2, (int)result.PagesReloaded);
        ReadPages(after, other, 2, Enumerable.Range(0, (int)result.PagesReloaded).Select(p => (long)p));
        Assert.Equal(40, ResidentPages(after, live, 40).Length);
    }

    [Fact]
    public async Task ReadsKeepToTheRateOnTheCachesClock()
    {
        using var directory = new TempDirectory();
        string dump = directory.File("resident.set");
        string path = directory.File("data.bin");
        SaveResidentPages(path, dump, 32, [0, 4, 8, 12, 16]); // five runs: five reads

        var clock = new ManualTimeProvider();
        using var limited = new PageCache(OneReadASecond(clock));
        Task<PrewarmResult> prewarm = limited.PrewarmAsync(dump);
        await WaitForAsync(() => limited.GetStatistics().PrewarmedPages == 1, "the first read");
        await Task.Delay(100); // time enough for a second read, if the limit let one through
        Assert.Equal(1, limited.GetStatistics().PrewarmedPages);
        Assert.False(prewarm.IsCompleted);
        for (int reads = 2; reads <= 5; reads++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await WaitForAsync(() => limited.GetStatistics().PrewarmedPages == reads, $"read {reads}");
        }

        PrewarmResult result = await prewarm.WaitAsync(s_wait);
        Assert.Equal(5, result.PagesReloaded);
    }

    [Fact]
    public async Task DisposeStopsAReloadPromptly()
    {
        using var directory = new TempDirectory();
        string dump = directory.File("resident.set");
        string path = directory.File("data.bin");
        SaveResidentPages(path, dump, 64, Enumerable.Range(0, 32).Select(p => (long)p * 2));

        var clock = new ManualTimeProvider();
        var cache = new PageCache(OneReadASecond(clock));
        Task<PrewarmResult> prewarm = cache.PrewarmAsync(dump);
        await WaitForAsync(() => cache.GetStatistics().PrewarmedPages == 1, "the first read");
        cache.Dispose();
        PrewarmResult result = await prewarm.WaitAsync(s_wait);
        Assert.True(result.StoppedByDispose);
        Assert.Equal(1, result.PagesReloaded);
        Assert.Throws<ObjectDisposedException>(() => { _ = cache.PrewarmAsync(dump); }); // thrown by the call, not by the task
    }

    [Fact]
    public async Task CancellationStopsAReloadAndCancelsItsTask()
    {
        using var directory = new TempDirectory();
        string dump = directory.File("resident.set");
        string path = directory.File("data.bin");
        SaveResidentPages(path, dump, 16, [0, 2, 4, 6]);

        var clock = new ManualTimeProvider();
        using var cache = new PageCache(OneReadASecond(clock));
        using var cancellation = new CancellationTokenSource();
        Task<PrewarmResult> prewarm = cache.PrewarmAsync(dump, cancellation.Token);
        await WaitForAsync(() => cache.GetStatistics().PrewarmedPages == 1, "the first read");
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => prewarm.WaitAsync(s_wait));
        Assert.Equal(1, cache.GetStatistics().PrewarmedPages);
        Assert.Equal(0, cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public async Task TheOptionsSavePeriodicallyAndAtDisposeAndReloadAtStart()
    {
        using var directory = new TempDirectory();
        string dump = directory.File("resident.set");
        string path = directory.File("data.bin");
        CreateDataFile(path, 0, 16);
        var clock = new ManualTimeProvider();
        var options = new PageCacheOptions
        {
            MemoryLimitBytes = 1L << 20,
            StartPageWriter = false,
            TimeProvider = clock,
            ResidentSetPath = dump,
            ResidentSetSaveInterval = TimeSpan.FromMinutes(1),
            MaxPrewarmReadsPerSecond = int.MaxValue,
        };
        using (var first = new PageCache(options))
        {
            Assert.Equal(ResidentSetStatus.Missing, (await first.StartupPrewarm!.WaitAsync(s_wait)).Status);
            ReadPages(first, path, 0, [1, 2, 3]);
            Assert.False(File.Exists(dump));
            clock.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(1, first.GetStatistics().ResidentSetSaves);
            Assert.Equal([1, 2, 3], SavedPages(dump, path));
            ReadPages(first, path, 0, [7]);
        }

        Assert.Equal([1, 2, 3, 7], SavedPages(dump, path)); // the save at dispose
        using var second = new PageCache(options);
        PrewarmResult result = await second.StartupPrewarm!.WaitAsync(s_wait);
        Assert.Equal(4, result.PagesReloaded);
        Assert.Equal([1, 2, 3, 7], ResidentPages(second, path, 16));
    }

    [Fact]
    public void AFailedPeriodicOrDisposeSaveIsLoggedAndCountedNotThrown()
    {
        using var directory = new TempDirectory();
        var clock = new ManualTimeProvider();
        var logger = new RecordingLogger();
        var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = 1L << 20,
            StartPageWriter = false,
            TimeProvider = clock,
            Logger = logger,
            ResidentSetPath = directory.File("missing-directory/resident.set"),
            ResidentSetSaveInterval = TimeSpan.FromMinutes(1),
        });
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, cache.GetStatistics().ResidentSetSaveFailures);
        Assert.Equal(0, cache.GetStatistics().ResidentSetSaves);
        cache.Dispose(); // the save at dispose fails too, and Dispose still closes everything
        Assert.Equal(2, logger.Named("ResidentSetSaveFailed").Count);
        Assert.False(File.Exists(directory.File("missing-directory/resident.set.tmp")));
    }

    [Fact]
    public async Task TheApplicationOpensAFileForWritingWhileItIsBeingReloaded()
    {
        using var directory = new TempDirectory();
        string dump = directory.File("resident.set");
        string path = directory.File("data.bin");
        SaveResidentPages(path, dump, 16, [0, 2, 4, 6]);

        var clock = new ManualTimeProvider();
        using var cache = new PageCache(OneReadASecond(clock));
        Task<PrewarmResult> prewarm = cache.PrewarmAsync(dump);
        await WaitForAsync(() => cache.GetStatistics().PrewarmedPages == 1, "the first read"); // the reload holds the file open now
        using (CachedFile file = cache.Open(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Write(PageSize, [42]);
            file.Flush();
        }

        for (int reads = 2; reads <= 4; reads++)
        {
            clock.Advance(TimeSpan.FromSeconds(1)); // a read slot at a time: the limit allows no burst
            await WaitForAsync(() => cache.GetStatistics().PrewarmedPages == reads, $"read {reads}");
        }

        PrewarmResult result = await prewarm.WaitAsync(s_wait);
        Assert.Equal(4, result.PagesReloaded);
        Assert.Equal(42, File.ReadAllBytes(path)[PageSize]);
    }

    [Fact]
    public async Task PagesSavedInOnePageSizeAreReloadedInAnother()
    {
        using var directory = new TempDirectory();
        string dump = directory.File("resident.set");
        string path = directory.File("data.bin");
        SaveResidentPages(path, dump, 32, [2, 3, 9, 20]);

        using var after = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1L << 20, PageSize = 2 * PageSize, MaxPrewarmReadsPerSecond = int.MaxValue });
        PrewarmResult result = await after.PrewarmAsync(dump).WaitAsync(s_wait);
        Assert.Equal(3, result.PagesReloaded); // 8 KiB pages 1 (4 KiB pages 2 and 3), 4 (9) and 10 (20)
        using CachedFile file = after.Open(path, FileMode.Open, FileAccess.Read);
        Assert.Equal([1L, 4L, 10L], Enumerable.Range(0, 16).Select(p => (long)p).Where(p => file.FileObject.Index.Lookup(p) >= 0));
    }

    [Fact]
    public void FilesOfACallersStoreAreNotSaved()
    {
        using var directory = new TempDirectory();
        string dump = directory.File("resident.set");
        using var cache = new PageCache(Options());
        using (CachedFile file = cache.Open(new MemoryBackingStore("memory"), FileAccess.ReadWrite))
        {
            file.Write(0, new byte[3 * PageSize]);
            Assert.Equal(0, cache.SaveResidentSet(dump)); // a new cache could not open the store again
        }

        Assert.Empty(Quire.Restart.ResidentSetFormat.TryDecode(File.ReadAllBytes(dump), out _)!.Files);
    }

    [Fact]
    public void NoPathMeansNoStartupPrewarm()
    {
        using var cache = new PageCache(Options());
        Assert.Null(cache.StartupPrewarm);
    }

    [Fact]
    public async Task AMissingDumpReloadsNothingAndLogsNothing()
    {
        using var directory = new TempDirectory();
        var logger = new RecordingLogger();
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1L << 20, Logger = logger });
        PrewarmResult result = await cache.PrewarmAsync(directory.File("none")).WaitAsync(s_wait);
        Assert.Equal(ResidentSetStatus.Missing, result.Status);
        Assert.Empty(logger.Named("ResidentSetIgnored"));
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(5);
        }
    }

    /// <summary>Creates the data file of <paramref name="filePages"/> pages, reads <paramref name="pages"/> of it through a cache and saves that cache's resident set to <paramref name="dump"/>.</summary>
    private static void SaveResidentPages(string path, string dump, int filePages, IEnumerable<long> pages)
    {
        CreateDataFile(path, 0, filePages);
        using var before = new PageCache(Options());
        ReadPages(before, path, 0, pages);
        before.SaveResidentSet(dump);
    }

    /// <summary>A cache on <paramref name="clock"/> whose reloads read one cluster a second: a reload moves only when the test advances the clock.</summary>
    private static PageCacheOptions OneReadASecond(ManualTimeProvider clock) =>
        new() { MemoryLimitBytes = 1L << 20, StartPageWriter = false, TimeProvider = clock, MaxPrewarmReadsPerSecond = 1 };
}
