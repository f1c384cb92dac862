// Proves that files opened, written, read, flushed, closed and reopened from several threads at
// once, as real clients open and close them, lose nothing and mix nothing up: every thread owns a
// region of every shared file, keeps a model of it (a plain byte array, the differential oracle),
// and checks each read of its region against the model, across closes and reopens by any thread;
// at the end the files on disk must equal the models. Seeded: a failure names its seed
// (QUIRE_SEED replays one). The oracle's failures (a read or the disk that differs from a model)
// carry OracleFailure, so CanaryTests can tell them from a thread that threw. The stress runs
// again with the last close not flushing (the page writer writes closed files back) and with at
// most two files kept after their last close, so files are detached, reattached, dropped and made
// anew while other threads open and close them.

using Quire.Internal;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Reliability;

[Collection("Writeback")]
public sealed class OpenCloseStressTests
{
    private const int PageSize = 4096;
    private const int Files = 6;
    private const int Threads = 4;
    private const int RegionPages = 8; // each thread's region of each file: a few pages, some shared with a neighbour's page-unaligned writes
    private const int RegionBytes = (RegionPages * PageSize) - 100; // not page-aligned, so two threads' regions share pages
    private const int OperationsPerThread = 400;

    /// <summary>Begins every message of the oracle's own assertions: data read or on disk that differs from a thread's model.</summary>
    internal const string OracleFailure = "The model and the file differ";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ManyFilesOpenedAndClosedFromSeveralThreadsLoseNothing(int defaultSeed)
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("QUIRE_SEED"), out int chosen) ? chosen : defaultSeed;
        Console.WriteLine($"OpenCloseStressTests seed {seed}");
        Run(seed, PlantedBugs.None);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void ManyFilesClosedWithoutAFlushAndFewKeptLoseNothing(int defaultSeed)
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("QUIRE_SEED"), out int chosen) ? chosen : defaultSeed;
        Console.WriteLine($"OpenCloseStressTests (no flush on close, 2 kept) seed {seed}");
        Run(seed, PlantedBugs.None, flushOnLastClose: false, maxIdleFiles: 2);
    }

    /// <summary>Runs the stress with <paramref name="plantedBugs"/> planted in its cache (none outside the canary tests).</summary>
    internal static void Run(int seed, PlantedBugs plantedBugs, bool flushOnLastClose = true, int maxIdleFiles = 1024)
    {
        using var directory = new TempDirectory();
        string[] paths = [.. Enumerable.Range(0, Files).Select(f => directory.File($"shared-{f}"))];
        var models = new byte[Threads, Files][];
        for (int t = 0; t < Threads; t++)
        {
            for (int f = 0; f < Files; f++)
            {
                models[t, f] = new byte[RegionBytes];
            }
        }

        int[] readsChecked = new int[Threads];
        int[] writesDone = new int[Threads];
        int[] reopens = new int[Threads];
        var mismatches = new System.Collections.Concurrent.ConcurrentQueue<string>(); // the oracle's
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>(); // exceptions thrown on a worker

        // A small pool, so background writeback, durable flushes and reclaim run all along.
        var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 96 * PageSize, PlantedBugs = plantedBugs, FlushOnLastClose = flushOnLastClose, MaxIdleFiles = maxIdleFiles });
        Thread[] workers = [.. Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var random = new SeededRandom((ulong)((seed * 1000) + t + 1));
            int operation = 0;
            try
            {
                for (; operation < OperationsPerThread; operation++)
                {
                    int f = random.Next(Files);
                    byte[] model = models[t, f];
                    long regionStart = (long)t * RegionBytes;
                    using (CachedFile file = cache.Open(paths[f], FileMode.OpenOrCreate))
                    {
                        reopens[t]++;
                        for (int step = 1 + random.Next(4); step > 0; step--)
                        {
                            int offset = random.Next(RegionBytes);
                            int length = 1 + random.Next(Math.Min(2 * PageSize, RegionBytes - offset));
                            if (random.Next(2) == 0)
                            {
                                byte[] data = BytePatterns.Create(length, (seed * 7919) + (t * 104729) + operation);
                                file.Write(regionStart + offset, data);
                                data.CopyTo(model.AsSpan(offset));
                                writesDone[t]++;
                            }
                            else
                            {
                                byte[] back = new byte[length];
                                int read = file.Read(regionStart + offset, back);
                                Array.Clear(back, read, length - read); // past the end reads as zeros in the model
                                if (!back.AsSpan().SequenceEqual(model.AsSpan(offset, length)))
                                {
                                    int at = back.AsSpan().CommonPrefixLength(model.AsSpan(offset, length));
                                    mismatches.Enqueue($"seed {seed}, thread {t}, operation {operation}: file {f} byte {regionStart + offset + at} read {back[at]}, the model has {model[offset + at]}");
                                    return;
                                }

                                readsChecked[t]++;
                            }
                        }

                        if (random.Next(4) == 0)
                        {
                            file.Flush();
                        }
                    }
                }
            }
            catch (Exception e)
            {
                errors.Enqueue($"seed {seed}, thread {t}, operation {operation}: {e}");
            }
        }))];
        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        foreach (Thread worker in workers)
        {
            Assert.True(worker.Join(TimeSpan.FromMinutes(5)), $"seed {seed}: a worker hung");
        }

        // A thread that threw is no finding of the oracle's: reported first, so a canary that
        // only makes the cache throw does not count as caught.
        Assert.True(errors.IsEmpty, string.Join(Environment.NewLine, errors));
        Assert.True(mismatches.IsEmpty, $"{OracleFailure} on a read:{Environment.NewLine}{string.Join(Environment.NewLine, mismatches)}");
        Assert.Null(cache.PageWriter.Failure);
        cache.Dispose();

        // Minimum work: every thread opened, wrote and read back through reopened files.
        for (int t = 0; t < Threads; t++)
        {
            Assert.Equal(OperationsPerThread, reopens[t]);
            Assert.True(writesDone[t] >= OperationsPerThread / 2, $"seed {seed}: thread {t} wrote {writesDone[t]} times");
            Assert.True(readsChecked[t] >= OperationsPerThread / 2, $"seed {seed}: thread {t} checked {readsChecked[t]} reads");
        }

        for (int f = 0; f < Files; f++)
        {
            byte[] disk = File.Exists(paths[f]) ? File.ReadAllBytes(paths[f]) : [];
            for (int t = 0; t < Threads; t++)
            {
                long regionStart = (long)t * RegionBytes;
                byte[] onDisk = new byte[RegionBytes];
                if (disk.Length > regionStart)
                {
                    disk.AsSpan((int)regionStart, (int)Math.Min(RegionBytes, disk.Length - regionStart)).CopyTo(onDisk);
                }

                int same = onDisk.AsSpan().CommonPrefixLength(models[t, f]);
                Assert.True(same == RegionBytes, $"{OracleFailure} on disk: seed {seed}: file {f} byte {regionStart + same} differs from thread {t}'s model");
            }
        }
    }
}
