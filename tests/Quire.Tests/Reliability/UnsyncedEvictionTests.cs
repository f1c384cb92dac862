// Proves that pages written to the store but not yet durable are never evicted (RELIABILITY P5,
// E8, I11): the page writer's sync thread is held inside a durable flush that then fails the
// Linux way (the OS drops the written data); meanwhile the test asks for the pages to be dropped.
// They must still be in the cache, be made dirty again, and reach the disk once it heals.

using Quire.Internal;
using Quire.Testing;

namespace Quire.Tests.Reliability;

[Collection("Writeback")]
public sealed class UnsyncedEvictionTests
{
    private const int PageSize = 4096;

    [Fact]
    public void PagesWrittenButNotDurableSurviveDontNeedAndAFailedFlush() => Run(PlantedBugs.None);

    /// <summary>Runs the check against a cache with <paramref name="plantedBugs"/>; throws when data is lost.</summary>
    internal static void Run(PlantedBugs plantedBugs)
    {
        var disk = new CrashSimulatingBackingStore("unsynced");
        var store = new GatedFlushStore(disk);
        using var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = 64 * PageSize,
            MaxPageWait = TimeSpan.FromSeconds(20),
            PlantedBugs = plantedBugs,
        });
        using CachedFile file = cache.Open(store);
        byte[] data = [.. Enumerable.Range(0, 4 * PageSize).Select(i => (byte)(i % 251))];
        file.Write(0, data);

        store.ArmFailingFlush();
        file.StartWriteback(0, data.Length); // the page writer writes, its sync thread flushes
        Assert.True(store.FlushStarted.Wait(TimeSpan.FromSeconds(20)), "The page writer never made the pages durable.");
        Assert.Equal(4, cache.GetStatistics().UnsyncedPages);

        file.Advise(0, data.Length, FileAdvice.DontNeed); // must not drop pages that are not durable
        store.Gate.Set(); // the fsync fails; the OS forgets the written data

        // Wait (bounded) for the sync thread to have handled its failure: nothing unsynced is left.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (cache.GetStatistics().UnsyncedPages > 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), "The failed durable flush never released the unsynced pages.");
            Thread.Sleep(1);
        }

        Assert.Throws<WritebackFailedException>(file.Flush); // the sync thread's failure, reported once
        file.Flush();
        Assert.True(data.AsSpan().SequenceEqual(disk.DurableContent), "Data written before the failed flush is durable after healing.");
    }
}
