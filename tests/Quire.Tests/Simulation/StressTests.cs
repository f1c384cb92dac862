// Proves the cache stays correct under concurrency: several threads write, read, flush, pin and
// advise on shared files through a tiny pool (so eviction and laundering race with everything),
// each in its own region and checked against its own model after every read; at the end every
// file on its store equals the union of the models. Every wait is bounded, so a deadlock fails
// the test through a timeout instead of hanging it. The seed is printed and replayable.

using Quire.Testing;
using Quire.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Quire.Tests.Simulation;

public sealed class StressTests(ITestOutputHelper output)
{
    private const int ThreadCount = 4;
    private const int RegionBytes = 96 * 1024;
    private const int OperationsPerThread = 15000;

    [Theory]
    [InlineData(4096, 16UL)]
    [InlineData(8192, 17UL)]
    public void ThreadsOnSharedFilesWithPrivateRegionsSeeTheirOwnWrites(int pageSize, ulong seed)
    {
        output.WriteLine($"seed {seed}");
        using var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = pageSize * 32L,
            PageSize = pageSize,
            MinFreeFrames = 2,
            MaxReadAheadBytes = pageSize * 4,
            MaxFrameWait = TimeSpan.FromSeconds(20),
            MaxPageWait = TimeSpan.FromSeconds(20),
        });
        var stores = new[] { new MemoryBackingStore("a"), new MemoryBackingStore("b") };
        CachedFile[] files = [.. stores.Select(store => cache.Open(store))];
        var models = new FileModel[files.Length, ThreadCount];
        for (int f = 0; f < files.Length; f++)
        {
            for (int t = 0; t < ThreadCount; t++)
            {
                models[f, t] = new FileModel();
                models[f, t].SetLength(RegionBytes);
            }
        }

        // Every region exists from the start, so no thread's read races another's extension.
        foreach (CachedFile file in files)
        {
            file.SetLength((long)RegionBytes * ThreadCount);
        }

        var failures = new List<Exception>();
        Thread[] threads = [.. Enumerable.Range(0, ThreadCount).Select(t => new Thread(() =>
        {
            try
            {
                RunThread(cache, files, models, t, new SeededRandom(seed * 1000 + (ulong)t), pageSize);
            }
            catch (Exception e)
            {
                lock (failures)
                {
                    failures.Add(new InvalidOperationException($"Thread {t} of seed {seed}: {e.Message}", e));
                }
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromMinutes(2)), $"Thread did not finish within 2 minutes (seed {seed}): a hang.");
        }

        Assert.Empty(failures);
        for (int f = 0; f < files.Length; f++)
        {
            files[f].Flush();
            byte[] durable = stores[f].ToArray();
            Assert.Equal((long)RegionBytes * ThreadCount, durable.Length);
            for (int t = 0; t < ThreadCount; t++)
            {
                byte[] expected = new byte[RegionBytes];
                models[f, t].Read(0, RegionBytes).CopyTo(expected);
                Assert.True(expected.AsSpan().SequenceEqual(durable.AsSpan(t * RegionBytes, RegionBytes)), $"File {f}, region {t} differs from its model on the store (seed {seed}).");
            }

            files[f].Dispose();
        }

        PageCacheStatistics statistics = cache.GetStatistics();
        output.WriteLine(statistics.ToString());
        Assert.Equal(0, statistics.PinnedFrames);
        Assert.True(statistics.Evictions > 0, "The pool is small enough that pages were evicted.");
    }

    private static void RunThread(PageCache cache, CachedFile[] files, FileModel[,] models, int thread, SeededRandom random, int pageSize)
    {
        long regionStart = (long)thread * RegionBytes;
        var buffer = new byte[pageSize * 3];
        for (int i = 0; i < OperationsPerThread; i++)
        {
            int f = random.Next(files.Length);
            CachedFile file = files[f];
            FileModel model = models[f, thread];
            int length = 1 + random.Next(buffer.Length);
            long offset = random.Next(0, RegionBytes - length);
            int dice = random.Next(100);
            if (dice < 40)
            {
                random.Fill(buffer.AsSpan(0, length));
                file.Write(regionStart + offset, buffer.AsSpan(0, length));
                model.Write(offset, buffer.AsSpan(0, length));
            }
            else if (dice < 85)
            {
                Assert.Equal(length, file.Read(regionStart + offset, buffer.AsSpan(0, length)));
                byte[] expected = new byte[length];
                model.Read(offset, length).CopyTo(expected);
                int same = expected.AsSpan().CommonPrefixLength(buffer.AsSpan(0, length));
                if (same != length)
                {
                    Assert.Fail($"Read at region offset {offset + same} of file {f} returned {buffer[same]}, the model says {expected[same]}.");
                }
            }
            else if (dice < 90)
            {
                long pinOffset = random.Next(0, RegionBytes - 1);
                int room = (int)Math.Min(pageSize - ((regionStart + pinOffset) % pageSize), RegionBytes - pinOffset);
                int pinLength = 1 + random.Next(room);
                using PageLease lease = file.Pin(regionStart + pinOffset, pinLength);
                byte[] expected = new byte[pinLength];
                model.Read(pinOffset, pinLength).CopyTo(expected);
                Assert.True(lease.Span.SequenceEqual(expected), $"Lease at region offset {pinOffset} of file {f} differs from the model.");
            }
            else if (dice < 94)
            {
                file.Advise(regionStart + offset, length, FileAdvice.DontNeed);
            }
            else if (dice < 97)
            {
                file.Flush();
            }
            else
            {
                _ = cache.GetStatistics();
            }
        }
    }
}
