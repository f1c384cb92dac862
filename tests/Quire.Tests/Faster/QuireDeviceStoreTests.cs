// Proves a FASTER store runs correctly on QuireDevice: a seeded random mix of upserts, deletes and
// reads is checked read by read against a dictionary (a differential test) with a pool smaller
// than the log, so reads miss and go asynchronous; a checkpoint is recovered into a new store, on a
// new cache that reads only what reached the files; removing log segments deletes their files.

using Quire.Faster;
using Quire.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Quire.Tests.Faster;

public sealed class QuireDeviceStoreTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void RandomUpsertsDeletesAndReadsMatchADictionaryWithALogLargerThanThePool()
    {
        ulong seed = (ulong)Environment.TickCount64;
        output.WriteLine($"seed {seed}");
        var random = new SeededRandom(seed);
        var expected = new Dictionary<long, long>();

        // 256 KiB of pool under a log of about 1 MiB: most records read from the device miss.
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 256 << 10 });
        using (var device = new QuireDevice(cache, _temp.File("hlog.log")))
        using (var store = new FasterStore(device, _temp.File("checkpoints")))
        {
            const int KeyCount = 20_000;
            for (long key = 0; key < KeyCount; key++)
            {
                store.Upsert(key, key * 7);
                expected[key] = key * 7;
            }

            for (int step = 0; step < 30_000; step++)
            {
                long key = random.Next(0, KeyCount + 100);
                int choice = random.Next(100);
                if (choice < 20)
                {
                    long value = (long)random.NextUInt64();
                    store.Upsert(key, value);
                    expected[key] = value;
                }
                else if (choice < 23)
                {
                    store.Delete(key);
                    expected.Remove(key);
                }
                else
                {
                    Assert.Equal(expected.TryGetValue(key, out long value) ? value : null, store.Read(key));
                }
            }

            foreach ((long key, long value) in expected)
            {
                Assert.Equal(value, store.Read(key));
            }
        }

        PageCacheStatistics statistics = cache.GetStatistics();
        output.WriteLine($"hits {statistics.Hits}, misses {statistics.Misses}");
        Assert.True(statistics.Misses > 100, $"the log should not fit the pool, but reads missed only {statistics.Misses} times");
        Assert.True(statistics.Hits > 100, $"records evicted from FASTER's memory should be read from the pool, but reads hit only {statistics.Hits} times");
    }

    [Fact]
    public void ACheckpointRecoversIntoANewStoreFromWhatReachedTheFiles()
    {
        var expected = new Dictionary<long, long>();
        string log = _temp.File("hlog.log");
        string checkpoints = _temp.File("checkpoints");

        // No page writer and no flush on close: only the device's durable writes put the log in its
        // files, so the recovery below reads exactly what the checkpoint made durable.
        var options = new PageCacheOptions { MemoryLimitBytes = 8 << 20, StartPageWriter = false, FlushOnLastClose = false };
        using (var cache = new PageCache(options))
        using (var device = new QuireDevice(cache, log))
        using (var store = new FasterStore(device, checkpoints))
        {
            for (long key = 0; key < 10_000; key++)
            {
                store.Upsert(key, key + 1_000_000);
                expected[key] = key + 1_000_000;
            }

            for (long key = 0; key < 10_000; key += 3)
            {
                store.Upsert(key, -key);
                expected[key] = -key;
            }

            store.TakeCheckpoint();
            Assert.True(File.Exists(device.GetSegmentPath(1)), "a log of several segments was expected");
        }

        using (var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1 << 20 }))
        using (var device = new QuireDevice(cache, log))
        using (var store = new FasterStore(device, checkpoints, recover: true))
        {
            foreach ((long key, long value) in expected)
            {
                Assert.Equal(value, store.Read(key));
            }
        }
    }

    [Fact]
    public void ShiftingTheLogsBeginAddressRemovesTheSegmentsBeforeIt()
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1 << 20 });
        using var device = new QuireDevice(cache, _temp.File("hlog.log"));
        using var store = new FasterStore(device, _temp.File("checkpoints"));
        for (long key = 0; key < 20_000; key++)
        {
            store.Upsert(key, key);
        }

        Assert.True(File.Exists(device.GetSegmentPath(2)), "a log of at least three segments was expected");
        long twoSegments = 2L << FasterStore.SegmentSizeBits;
        store.Store.Log.ShiftBeginAddress(twoSegments, truncateLog: true);

        // The removal runs on the thread pool: wait a bounded time for both files to go.
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((File.Exists(device.GetSegmentPath(0)) || File.Exists(device.GetSegmentPath(1))) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        Assert.False(File.Exists(device.GetSegmentPath(0)), "segment 0 was not removed");
        Assert.False(File.Exists(device.GetSegmentPath(1)), "segment 1 was not removed");
        Assert.True(File.Exists(device.GetSegmentPath(2)), "segment 2 holds live records and must stay");
        Assert.True(cache.GetStatistics().Deletes >= 2, "the segments should be deleted through the cache");
        Assert.Equal(19_999, store.Read(19_999));
    }
}
