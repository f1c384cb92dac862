// Proves the cache stays correct when threads race on the same pages (RELIABILITY C1-C3, H7):
// four threads write whole pages stamped with (thread, sequence), read pages, truncate and
// re-extend the tail, flush and drop pages, on one file through a 16-frame pool with the page
// writer thread running and a device that fails 5% of writes and is slow on a quarter of the
// others. Every operation's call and return are numbered on one logical clock; afterwards each
// read is checked against the page's history:
// it returned one whole write (no torn page) that had begun before the read ended and had not
// been overwritten before the read began, or zeros where that was possible. Every wait is
// bounded; a thread that hangs fails the test with what every thread was doing.

using Quire.Internal;
using Quire.Testing;
using Xunit.Abstractions;

namespace Quire.Tests.Reliability;

[Collection("Writeback")]
public sealed class ConcurrencyTests(ITestOutputHelper output)
{
    private const int PageSize = 4096;
    private const int PageCount = 24;
    private const int TailPages = 4; // the pages a truncate cuts off and re-extends
    private const int ThreadCount = 4;

    [Fact]
    public void ReadsReturnWholeWritesThatTheHistoryAllows()
    {
        ulong seed = ReliabilityReport.ReplaySeed ?? 7;
        output.WriteLine($"seed {seed}");
        string figures = Run(seed, ReliabilityReport.Scale(1500, 10_000), PlantedBugs.None);
        ReliabilityReport.Record(output, "concurrency", figures);
    }

    /// <summary>
    /// Runs the threads with <paramref name="seed"/> against a cache with <paramref name="plantedBugs"/>
    /// and checks every read and the final image; returns the figures. Fails through its assertions.
    /// </summary>
    internal static string Run(ulong seed, int operationsPerThread, PlantedBugs plantedBugs)
    {
        var disk = new CrashSimulatingBackingStore("shared");
        var store = new FaultInjectingBackingStore(disk, seed);
        store.AddRule(FaultRule.FailFraction(StoreOperations.Write, 0.05));

        // A slow device: a quarter of the writes that do not fail take a millisecond, so a write
        // back is still in flight while the threads write the page again, as on a real disk.
        store.AddRule(new FaultRule { Operations = StoreOperations.Write, Probability = 0.25, Effect = FaultEffect.Delay, Delay = TimeSpan.FromMilliseconds(1) });
        using var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = 16 * PageSize,
            MinFreeFrames = 1,
            MaxFrameWait = TimeSpan.FromSeconds(5),
            MaxPageWait = TimeSpan.FromSeconds(20),
            PlantedBugs = plantedBugs,
        });
        CachedFile file = cache.Open(store);
        bool finished = false;
        try
        {
            file.SetLength(PageCount * PageSize);

            long clock = 0;
            var events = new List<Event>[PageCount];
            for (int p = 0; p < PageCount; p++)
            {
                events[p] = [];
            }

            var reads = new List<ReadRecord>();
            var doing = new string[ThreadCount];
            var failures = new List<Exception>();
            using var truncateLock = new SemaphoreSlim(1);
            Thread[] threads = [.. Enumerable.Range(0, ThreadCount).Select(t => new Thread(() =>
            {
                var random = new Infrastructure.SeededRandom((seed * 1000) + (ulong)t);
                var page = new byte[PageSize];
                try
                {
                    for (int i = 1; i <= operationsPerThread; i++)
                    {
                        int p = random.Next(PageCount);
                        int dice = random.Next(100);
                        if (dice < 45)
                        {
                            long stamp = ((long)(t + 1) << 32) | (uint)i;
                            FillStamp(page, stamp);
                            Volatile.Write(ref doing[t], $"write page {p} stamp {t + 1}/{i}");
                            long start = Interlocked.Increment(ref clock);
                            bool ok = TryIo(() => file.Write((long)p * PageSize, page));
                            long end = Interlocked.Increment(ref clock);
                            lock (events[p])
                            {
                                events[p].Add(new Event(stamp, start, end, ok));
                            }
                        }
                        else if (dice < 85)
                        {
                            var buffer = new byte[PageSize];
                            Volatile.Write(ref doing[t], $"read page {p}");
                            long start = Interlocked.Increment(ref clock);
                            int count = -1;
                            TryIo(() => count = file.Read((long)p * PageSize, buffer));
                            long end = Interlocked.Increment(ref clock);
                            if (count >= 0)
                            {
                                lock (reads)
                                {
                                    reads.Add(new ReadRecord(p, start, end, count, buffer));
                                }
                            }
                        }
                        else if (dice < 88 && truncateLock.Wait(0))
                        {
                            // Cut the tail off and extend it again: its pages read as zeros afterwards.
                            Volatile.Write(ref doing[t], "truncate and re-extend the tail");
                            long start = Interlocked.Increment(ref clock);
                            TryIo(() => file.SetLength((PageCount - TailPages) * (long)PageSize));
                            TryIo(() => file.SetLength(PageCount * (long)PageSize));
                            long end = Interlocked.Increment(ref clock);
                            for (int q = PageCount - TailPages; q < PageCount; q++)
                            {
                                lock (events[q])
                                {
                                    events[q].Add(new Event(0, start, end, true));
                                }
                            }

                            truncateLock.Release();
                        }
                        else if (dice < 94)
                        {
                            Volatile.Write(ref doing[t], "flush");
                            TryIo(file.Flush);
                        }
                        else
                        {
                            Volatile.Write(ref doing[t], $"drop pages from {p}");
                            file.Advise((long)p * PageSize, 4L * PageSize, FileAdvice.DontNeed);
                        }
                    }

                    Volatile.Write(ref doing[t], "done");
                }
                catch (Exception e)
                {
                    lock (failures)
                    {
                        failures.Add(new InvalidOperationException($"Thread {t} (seed {seed}) while {Volatile.Read(ref doing[t])}: {e.Message}", e));
                    }
                }
            }))];
            foreach (Thread thread in threads)
            {
                thread.Start();
            }

            foreach (Thread thread in threads)
            {
                Assert.True(
                    thread.Join(TimeSpan.FromMinutes(ReliabilityReport.Scale(2, 60))),
                    $"A thread hangs (seed {seed}). Threads: {string.Join("; ", doing.Select((d, i) => $"{i}: {d}"))}. Cache: {cache.GetStatistics()}");
            }

            Assert.Empty(failures);
            foreach (ReadRecord read in reads)
            {
                string? violation = Explain(read, events[read.Page]);
                Assert.True(violation is null, $"Seed {seed}, page {read.Page}, read during [{read.Start}, {read.End}]: {violation}");
            }

            store.Heal();
            try
            {
                file.Flush();
            }
            catch (WritebackFailedException)
            {
                // The epoch of the injected failures, reported once.
            }

            file.Flush();
            byte[] durable = disk.DurableContent;
            for (int p = 0; p < PageCount; p++)
            {
                var final = new ReadRecord(p, long.MaxValue - 1, long.MaxValue, PageSize, durable.AsSpan(p * PageSize, PageSize).ToArray());
                string? violation = Explain(final, events[p]);
                Assert.True(violation is null, $"Seed {seed}, page {p} on disk after the final flush: {violation}");
            }

            CacheInspector.AssertQuiescent(cache, "after the threads finished");
            int operations = ThreadCount * operationsPerThread;
            long writesCompleted = events.Sum(e => e.Count(w => w.Ok && w.Stamp != 0));

            // Minimums: 40% of the operations are reads and 45% writes; a run in which most of them
            // failed (every failure is swallowed above) checked little. A fifth of the operations must
            // be reads checked, and a fifth writes completed, and the injected faults must have fired.
            Assert.True(reads.Count >= operations / 5, $"Only {reads.Count} of {operations} operations were reads checked against the history.");
            Assert.True(writesCompleted >= operations / 5, $"Only {writesCompleted} of {operations} operations were writes that completed.");
            Assert.True(store.FiredCount(StoreOperations.Write) > 0, "No injected write fault fired: the failure paths were not exercised.");
            finished = true;
            return $"seed={seed} threads={ThreadCount} operations={operations} readsChecked={reads.Count} writesCompleted={writesCompleted} writeFaults={store.FiredCount(StoreOperations.Write)}";
        }
        finally
        {
            if (finished)
            {
                file.Dispose();
            }
            else
            {
                // A failed check must surface as itself: with the store still failing writes, the
                // close would report the injected failures' epoch and hide it (CanaryTests counts
                // only the suite's own assertions).
                store.Heal();
                try
                {
                    file.Dispose();
                }
                catch (WritebackFailedException)
                {
                }
            }
        }
    }

    /// <summary>Why a read's bytes cannot be explained by the page's history, or null if they can.</summary>
    private static string? Explain(ReadRecord read, List<Event> history)
    {
        Event[] events;
        lock (history)
        {
            events = [.. history];
        }

        bool overlapsTruncate = events.Any(e => e.Stamp == 0 && e.Start < read.End && e.End > read.Start);
        if (read.Count != PageSize)
        {
            return overlapsTruncate ? null : $"a short read of {read.Count} bytes with no truncate in flight";
        }

        long stamp = BitConverter.ToInt64(read.Bytes, 0);
        for (int i = 8; i < PageSize; i += 8)
        {
            if (BitConverter.ToInt64(read.Bytes, i) != stamp)
            {
                return $"a torn page: stamp {stamp:X} at byte 0 but {BitConverter.ToInt64(read.Bytes, i):X} at byte {i}";
            }
        }

        // Candidates: writes (or truncates, for zeros) of this content that began before the read ended.
        IEnumerable<Event> sources = events.Where(e => e.Stamp == stamp && e.Start < read.End);
        if (stamp == 0)
        {
            sources = sources.Append(new Event(0, 0, 0, true)); // the page as first extended
        }

        foreach (Event source in sources)
        {
            bool overwritten = events.Any(e => e.Ok && e.Start > source.End && e.End < read.Start && e.Stamp != source.Stamp);
            if (!overwritten)
            {
                return null;
            }
        }

        return stamp == 0
            ? "zeros, though a completed write had replaced them before the read began"
            : $"stamp {stamp >> 32}/{stamp & 0xFFFFFFFF}, which {(events.Any(e => e.Stamp == stamp) ? "was overwritten before the read began" : "no write to this page produced")}";
    }

    private static bool TryIo(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception e) when (e is IOException)
        {
            // Write-back failures (injected) surface as flush errors or, under pressure, as an
            // exhausted pool; the history records the operation as not completed.
            return false;
        }
    }

    private static void FillStamp(byte[] page, long stamp)
    {
        for (int i = 0; i < page.Length; i += 8)
        {
            BitConverter.TryWriteBytes(page.AsSpan(i), stamp);
        }
    }

    private readonly record struct Event(long Stamp, long Start, long End, bool Ok);

    private sealed record ReadRecord(int Page, long Start, long End, int Count, byte[] Bytes);
}
