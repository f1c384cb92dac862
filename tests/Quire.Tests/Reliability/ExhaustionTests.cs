// Proves that running out of resources ends in the documented exceptions or bounded waits and
// loses nothing (RELIABILITY P6, M1, M2, S3): every frame pinned; every frame dirty on a device
// that fails; writers over the dirty limit on a full disk. Every wait is bounded by the test too,
// and a hang fails it with what each thread was doing. Each check also runs against a cache with a
// planted bug (CanaryTests).

using Quire.Internal;
using Quire.Testing;

namespace Quire.Tests.Reliability;

[Collection("Writeback")]
public sealed class ExhaustionTests
{
    private const int PageSize = 4096;

    /// <summary>Every check of this class, by name, against a cache with the given planted bugs.</summary>
    internal static IReadOnlyList<(string Name, Action<PlantedBugs> Run)> Checks { get; } =
    [
        ("every frame pinned", PinEveryFrame),
        ("every frame dirty on a failing device", DirtyEveryFrameOnAFailingDevice),
        ("writers over the dirty limit on a full disk", WriteOverTheDirtyLimitOnAFullDisk),
    ];

    [Fact]
    public void WhenEveryFrameIsPinnedACallFailsAfterABoundedWaitAndSucceedsOnceOneIsReleased() => PinEveryFrame(PlantedBugs.None);

    [Fact]
    public void WhenEveryFrameIsDirtyOnAFailingDeviceAllocationFailsWithTheWriteErrorAndHealingLetsEverythingLand() => DirtyEveryFrameOnAFailingDevice(PlantedBugs.None);

    [Fact]
    public void WritersOverTheDirtyLimitOnAFullDiskFailInsteadOfHangingAndNothingIsLost() => WriteOverTheDirtyLimitOnAFullDisk(PlantedBugs.None);

    private static void PinEveryFrame(PlantedBugs plantedBugs)
    {
        using var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = 8 * PageSize,
            MaxFrameWait = TimeSpan.FromMilliseconds(50),
            StartPageWriter = false,
            PlantedBugs = plantedBugs,
        });
        var disk = new CrashSimulatingBackingStore("pinned", new byte[32 * PageSize]);
        using CachedFile file = cache.Open(disk);
        byte[] data = [.. Enumerable.Repeat((byte)9, PageSize)];
        int failedPage = -1;
        int pinned = PinUntilExhausted(
            file,
            0,
            (exhausted, page) =>
            {
                failedPage = page;
                Assert.Equal(8, exhausted.FrameCount);
                Assert.True(exhausted.PinnedFrameCount >= page, $"The exception counts {exhausted.PinnedFrameCount} pinned frames; {page} are pinned.");
                Assert.Equal(32 * PageSize, file.Length); // nothing of the failed call was applied
            },
            () =>
            {
                // The same call succeeds once one lease is released.
                WritableWrite(file, failedPage, data);
                var buffer = new byte[PageSize];
                Assert.Equal(PageSize, file.Read((long)failedPage * PageSize, buffer));
                Assert.Equal(data, buffer);
            });
        Assert.InRange(pinned, 1, 8);
        file.Flush();
        CacheInspector.AssertQuiescent(cache, "after the leases were released");
    }

    private static void WritableWrite(CachedFile file, int page, byte[] data)
    {
        using WritablePageLease lease = file.PinForWrite((long)page * PageSize, PageSize);
        data.CopyTo(lease.Span);
    }

    /// <summary>Pins page after page (recursively: leases live on the stack) until the pool is exhausted; returns how many were pinned.</summary>
    private static int PinUntilExhausted(CachedFile file, int page, Action<PageCacheExhaustedException, int> atExhaustion, Action afterOneReleased)
    {
        WritablePageLease lease;
        try
        {
            lease = file.PinForWrite((long)page * PageSize, PageSize);
        }
        catch (PageCacheExhaustedException e)
        {
            atExhaustion(e, page);
            return 0;
        }

        int deeper;
        try
        {
            deeper = PinUntilExhausted(file, page + 1, atExhaustion, afterOneReleased);
        }
        finally
        {
            lease.Dispose();
        }

        if (deeper == 0)
        {
            afterOneReleased();
        }

        return deeper + 1;
    }

    private static void DirtyEveryFrameOnAFailingDevice(PlantedBugs plantedBugs)
    {
        using var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = 8 * PageSize,
            MinFreeFrames = 1,
            MaxFrameWait = TimeSpan.FromMilliseconds(50),
            StartPageWriter = false,
            PlantedBugs = plantedBugs,
        });
        var disk = new CrashSimulatingBackingStore("failing");
        var store = new FaultInjectingBackingStore(disk);
        store.AddRule(FaultRule.FailAll(StoreOperations.Write, IOErrorKind.NoSpace));
        using CachedFile file = cache.Open(store);
        var model = new FileModel();
        PageCacheExhaustedException? exhausted = null;
        for (int page = 0; page < 32 && exhausted is null; page++)
        {
            byte[] data = [.. Enumerable.Repeat((byte)(page + 1), PageSize)];
            try
            {
                file.Write((long)page * PageSize, data);
                model.Write((long)page * PageSize, data);
            }
            catch (PageCacheExhaustedException e)
            {
                exhausted = e;
            }
        }

        Assert.NotNull(exhausted);
        var inner = Assert.IsType<IOException>(exhausted.InnerException, exactMatch: false);
        Assert.Equal(28, inner.HResult); // the write-back error that kept the frames dirty: ENOSPC
        Assert.Equal(model.Length, file.Length);
        CacheInspector.AssertQuiescent(cache, "with every frame dirty");

        store.Heal();
        Assert.Throws<WritebackFailedException>(file.Flush); // the epoch of the failed write-backs, once
        file.Flush();
        Assert.True(model.Content.SequenceEqual(disk.DurableContent), "Everything written lands once the device heals.");
    }

    private static void WriteOverTheDirtyLimitOnAFullDisk(PlantedBugs plantedBugs)
    {
        using var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = 64 * PageSize,
            DirtyBytes = 16 * PageSize,
            MaxWritebackStall = TimeSpan.FromMilliseconds(300),
            MaxFrameWait = TimeSpan.FromMilliseconds(300),
            PlantedBugs = plantedBugs,
        });
        var disk = new CrashSimulatingBackingStore("full");
        var store = new FaultInjectingBackingStore(disk);
        store.AddRule(FaultRule.FailAll(StoreOperations.Write, IOErrorKind.NoSpace));
        using CachedFile file = cache.Open(store);
        const int writerCount = 3;
        var models = new FileModel[writerCount];
        var doing = new string[writerCount];
        var failures = new List<Exception>();
        int maxNotDurable = 0;
        Thread[] writers = [.. Enumerable.Range(0, writerCount).Select(w => new Thread(() =>
        {
            models[w] = new FileModel();
            bool stalled = false;
            for (int page = 0; page < 24 && !stalled; page++)
            {
                long offset = ((long)w * 24 + page) * PageSize;
                byte[] data = [.. Enumerable.Repeat((byte)(w + 1), PageSize)];
                Volatile.Write(ref doing[w], $"writing page {page} at {offset}");
                try
                {
                    file.Write(offset, data);
                    models[w].Write(offset, data);
                }
                catch (WritebackStalledException e)
                {
                    if (e.ErrorKind != IOErrorKind.NoSpace)
                    {
                        // Asserted on the test's thread: a failed assertion here would end the test host.
                        lock (failures)
                        {
                            failures.Add(new InvalidOperationException($"The stall reported {e.ErrorKind}, not the device being full.", e));
                        }

                        return;
                    }

                    models[w].Write(offset, data); // a stalled write was applied; the writer is told the device is stuck
                    stalled = true;
                }
                catch (PageCacheExhaustedException)
                {
                    stalled = true; // not applied
                }
                catch (Exception e)
                {
                    lock (failures)
                    {
                        failures.Add(e);
                    }

                    return;
                }

                Interlocked.Exchange(ref maxNotDurable, Math.Max(Volatile.Read(ref maxNotDurable), cache.GetStatistics().NotDurablePages));
            }

            Volatile.Write(ref doing[w], "done");
        }))];
        foreach (Thread writer in writers)
        {
            writer.Start();
        }

        foreach (Thread writer in writers)
        {
            Assert.True(writer.Join(TimeSpan.FromSeconds(60)), $"A writer hangs: {string.Join("; ", doing.Select((d, i) => $"writer {i}: {d}"))}; cache: {cache.GetStatistics()}");
        }

        store.Heal();
        Assert.Throws<WritebackFailedException>(file.Flush); // the full disk's epoch, once
        file.Flush();

        // Checked with the disk healed and everything durable: on the full disk, a failed check was
        // hidden by the failure of the flush that disposing the handle and the cache makes.
        Assert.Empty(failures);
        int limit = cache.GetStatistics().DirtyLimitPages;
        Assert.True(maxNotDurable <= limit + writerCount, $"Data not durable reached {maxNotDurable} pages; the limit is {limit} plus one write per writer.");
        byte[] durable = disk.DurableContent;
        foreach (FileModel model in models)
        {
            ReadOnlySpan<byte> content = model.Content;
            for (int i = 0; i < content.Length; i++)
            {
                if (content[i] != 0)
                {
                    Assert.True(i < durable.Length && durable[i] == content[i], $"Byte {i} written before the stall is not durable after healing.");
                }
            }
        }
    }
}
