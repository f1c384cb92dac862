// Proves what happens while a write to the store is in flight, by holding it on a gate: a page is
// marked clean before its write and a write into it during the I/O re-dirties it (it is written
// again), and a truncate waits for writes in flight so none lands past the new end (P7); and that
// files opened, written, flushed and closed from several threads at once, as an index writes its
// segments, never have their closed stores touched by the page writer's threads.

using Quire.Tests.Infrastructure;

namespace Quire.Tests.Writeback;

[Collection("Writeback")]
public sealed class WritebackConcurrencyTests
{
    private const int PageSize = 4096;

    private static PageCache NewCache() => new(new PageCacheOptions
    {
        MemoryLimitBytes = 64 * PageSize,
        StartPageWriter = false,
    });

    [Fact]
    public void AWriteDuringWritebackRedirtiesThePageAndTheNextFlushWritesIt()
    {
        using var cache = NewCache();
        using var gate = new ManualResetEventSlim();
        var store = new FaultyStore { WriteGate = gate };
        using CachedFile file = cache.Open(store);
        file.Write(0, Enumerable.Repeat((byte)1, PageSize).ToArray());

        var flush = new Thread(file.Flush);
        flush.Start();
        Assert.True(store.WriteStarted.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, cache.GetStatistics().DirtyPages); // clean before the write was issued
        Assert.Equal(1, cache.GetStatistics().WritebackPages);

        file.Write(0, Enumerable.Repeat((byte)2, PageSize).ToArray()); // not blocked by the write in flight
        Assert.Equal(1, cache.GetStatistics().DirtyPages);
        gate.Set();
        Assert.True(flush.Join(TimeSpan.FromSeconds(10)));

        Assert.Equal(1, cache.GetStatistics().DirtyPages);
        file.Flush();
        Assert.Equal(Enumerable.Repeat((byte)2, PageSize).ToArray(), store.Durable);
    }

    [Fact]
    public void AFlushWaitsForAWriteThePageWriterHasInFlightAndMakesItDurable()
    {
        using var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = 64 * PageSize,
            BackgroundDirtyRatio = 0.05,
            StartPageWriter = false,
        });
        using var gate = new ManualResetEventSlim();
        var store = new FaultyStore { WriteGate = gate };
        using CachedFile file = cache.Open(store);
        byte[] data = Enumerable.Range(0, 8 * PageSize).Select(i => (byte)(i * 3)).ToArray();
        file.Write(0, data);

        var writer = new Thread(() => cache.PageWriter.RunOnePass()); // background: claims the pages, then blocks in the write
        writer.Start();
        Assert.True(store.WriteStarted.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, cache.GetStatistics().DirtyPages);

        var flush = new Thread(file.Flush);
        flush.Start();
        Assert.False(flush.Join(TimeSpan.FromMilliseconds(200)), "The flush waits for the write in flight: its pages were dirty when it began.");

        gate.Set();
        Assert.True(writer.Join(TimeSpan.FromSeconds(10)));
        Assert.True(flush.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(data, store.Durable);
        Assert.Equal(0, cache.GetStatistics().NotDurablePages);
    }

    [Fact]
    public void ADurableFlushNeverChangesTheStoresLength()
    {
        // Writes of a growing file may be in flight on other threads while a durable flush runs (the
        // page writer's sync thread, another handle's flush); a length set from a snapshot of the
        // size would cut off a write that just landed past it. Here page 0 is written and made
        // durable while page 1 is still dirty, so the size is past what the store holds.
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 64 * PageSize, StartPageWriter = false });
        var store = new FaultyStore();
        using CachedFile file = cache.Open(store);
        file.Write(0, new byte[2 * PageSize]);

        file.FlushRange(0, PageSize);

        Assert.Equal([(0L, (long)PageSize)], store.Writes);
        Assert.Equal(1, store.FlushCount);
        Assert.Equal(0, store.SetLengthCount);
        file.Flush();
        Assert.Equal(2 * PageSize, store.Durable.Length);
    }

    [Fact]
    public void ATruncateWaitsForWritesInFlightAndNoneLandsPastTheNewEnd()
    {
        using var cache = NewCache();
        using var gate = new ManualResetEventSlim();
        var store = new FaultyStore { WriteGate = gate };
        using CachedFile file = cache.Open(store);
        byte[] data = Enumerable.Range(0, 8 * PageSize).Select(i => (byte)i).ToArray();
        file.Write(0, data);

        var flush = new Thread(file.Flush);
        flush.Start();
        Assert.True(store.WriteStarted.Wait(TimeSpan.FromSeconds(10)));

        var truncate = new Thread(() => file.SetLength(2 * PageSize));
        truncate.Start();
        Assert.False(truncate.Join(TimeSpan.FromMilliseconds(200)), "The truncate waits for the write in flight.");

        gate.Set();
        Assert.True(flush.Join(TimeSpan.FromSeconds(10)));
        Assert.True(truncate.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(2 * PageSize, file.Length);
        Assert.Equal(data.AsSpan(0, 2 * PageSize).ToArray(), store.Content);

        file.SetLength(4 * PageSize);
        file.Flush();
        byte[] expected = new byte[4 * PageSize];
        data.AsSpan(0, 2 * PageSize).CopyTo(expected);
        Assert.Equal(expected, store.Durable);
    }

    [Fact]
    public void ManyFilesOpenedWrittenAndClosedFromSeveralThreadsWhileThePageWriterRuns()
    {
        using var directory = new TempDirectory();
        var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 512 * PageSize }); // small: background writeback and syncs run all along
        const int threads = 4;
        const int filesPerThread = 25;
        var written = new System.Collections.Concurrent.ConcurrentDictionary<string, byte[]>();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        Thread[] workers = [.. Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                var random = new SeededRandom((ulong)t + 1);
                for (int i = 0; i < filesPerThread; i++)
                {
                    string path = directory.File($"segment-{t}-{i}");
                    byte[] data = BytePatterns.Create((1 + random.Next(64)) * 4096, (t * 100) + i);
                    using (CachedFile file = cache.Open(path, FileMode.CreateNew))
                    {
                        file.Write(0, data);
                        if (i % 3 == 0)
                        {
                            file.Flush();
                        }
                    }

                    written[path] = data;
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        }))];
        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        foreach (Thread worker in workers)
        {
            Assert.True(worker.Join(TimeSpan.FromMinutes(2)), "A writer finished.");
        }

        Assert.Empty(failures);
        Assert.Null(cache.PageWriter.Failure); // no writeback or sync touched a closed file's store
        cache.Dispose();
        Assert.Equal(threads * filesPerThread, written.Count);
        foreach ((string path, byte[] data) in written)
        {
            Assert.Equal(data, File.ReadAllBytes(path));
        }
    }
}
