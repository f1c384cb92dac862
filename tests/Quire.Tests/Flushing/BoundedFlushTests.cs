// Proves a flush need not hang with its store (E10 in docs/DURABILITY.md): Flush(timeout) throws a
// TimeoutException and FlushAsync is cancelled while the store's durable flush hangs; nothing is
// lost meanwhile (the data stays not durable, and the hung flush finishes once the store answers);
// a failure of the flush left running, timed out or cancelled, is reported to every handle at its
// next flush, once; and a flush with nothing to do never times out. Each check also runs against a
// cache with a planted bug (CanaryTests), which must make one of its assertions fail.

using Quire.Internal;
using Quire.Testing;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Flushing;

public sealed class BoundedFlushTests
{
    private const int PageSize = QuietCaches.PageSize;

    // 200 ms: far more than a flush needs to end once its store call has failed (tens of
    // microseconds), so a thread-pool thread slowed by a loaded machine still gets there.
    private static readonly TimeSpan s_endOfAFlushLeftRunning = TimeSpan.FromMilliseconds(200);

    /// <summary>Every check of this class, by name, against a cache with the given planted bugs.</summary>
    internal static IReadOnlyList<(string Name, Func<PlantedBugs, Task> Run)> Checks { get; } =
    [
        ("a flush with a timeout", plantedBugs =>
        {
            TimeOutAFlushWhoseSyncHangs(plantedBugs);
            return Task.CompletedTask;
        }),
        ("a cancelled FlushAsync", CancelAFlushAsyncWhoseSyncHangs),
        ("a flush with a timeout whose sync then fails", plantedBugs =>
        {
            TimeOutAFlushWhoseSyncThenFails(plantedBugs);
            return Task.CompletedTask;
        }),
        ("a flush with nothing to do", plantedBugs =>
        {
            FlushNothingWithAHungStore(plantedBugs);
            return Task.CompletedTask;
        }),
    ];

    [Fact]
    public void AFlushWhoseSyncHangsTimesOutAndTheDataIsDurableOnceTheStoreAnswers() => TimeOutAFlushWhoseSyncHangs(PlantedBugs.None);

    [Fact]
    public Task AFlushAsyncWhoseSyncHangsIsCancelledAndTheFailureOfTheFlushLeftRunningReachesEveryHandleOnce() => CancelAFlushAsyncWhoseSyncHangs(PlantedBugs.None);

    [Fact]
    public void AFlushThatTimedOutAndThenFailedIsReportedToEveryHandleOnce() => TimeOutAFlushWhoseSyncThenFails(PlantedBugs.None);

    [Fact]
    public void AFlushWithNothingToDoNeverTimesOutAndBadTimeoutsAreRefused() => FlushNothingWithAHungStore(PlantedBugs.None);

    private static void TimeOutAFlushWhoseSyncHangs(PlantedBugs plantedBugs)
    {
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        using var cache = QuietCaches.Create(plantedBugs);
        using CachedFile file = cache.Open(store);
        byte[] data = BytePatterns.Create(3 * PageSize, 21);
        file.Write(0, data);
        store.AddRule(new FaultRule { Operations = StoreOperations.Flush, NthCall = 1, Effect = FaultEffect.Hang });

        try
        {
            Assert.Throws<TimeoutException>(() => file.Flush(TimeSpan.FromMilliseconds(50)));

            Assert.False(disk.DurableContent.AsSpan().SequenceEqual(data), "Nothing became durable while the sync hung.");
            PageCacheStatistics hung = cache.GetStatistics();
            Assert.Equal(3, hung.DirtyPages + hung.WritebackPages + hung.UnsyncedPages);
        }
        finally
        {
            store.Heal();
        }

        file.Flush();
        Assert.Equal(0, disk.PendingChangeCount);
        Assert.Equal(data, disk.DurableContent);
        Assert.Equal(0, cache.GetStatistics().UnsyncedPages);
    }

    private static void TimeOutAFlushWhoseSyncThenFails(PlantedBugs plantedBugs)
    {
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk) { MaxHang = TimeSpan.FromMilliseconds(300) };
        using var cache = QuietCaches.Create(plantedBugs);
        using CachedFile file = cache.Open(store);
        using CachedFile other = cache.Open(store);
        byte[] data = BytePatterns.Create(2 * PageSize, 23);
        file.Write(0, data);
        store.AddRule(new FaultRule { Operations = StoreOperations.Flush, NthCall = 1, Effect = FaultEffect.Hang });

        Assert.Throws<TimeoutException>(() => file.Flush(TimeSpan.FromMilliseconds(50)));

        // The hung sync gives up (MaxHang) and fails while nobody waits for it: its pages are dirty
        // again and the failure is an epoch, which the next flush of each handle reports once. The
        // flushes below come after the flush left running has ended (nothing public says when it
        // has, so the test waits a while, and the other handle flushes first): whatever that flush
        // does as it ends, its failure must still be each handle's to hear of.
        Assert.True(SpinWait.SpinUntil(() => store.CallCount(StoreOperations.Flush) == 1, TimeSpan.FromSeconds(30)), "The flush left running reached the store's durable flush.");
        Assert.True(SpinWait.SpinUntil(() => cache.GetStatistics().DirtyPages == 2, TimeSpan.FromSeconds(30)), "The failed sync made its pages dirty again.");
        Thread.Sleep(s_endOfAFlushLeftRunning);
        Assert.Throws<WritebackFailedException>(other.Flush);
        other.Flush();
        Assert.Equal(data, disk.DurableContent);
        Assert.Throws<WritebackFailedException>(file.Flush);
        file.Flush();
        Assert.Equal(0, disk.PendingChangeCount);
    }

    private static async Task CancelAFlushAsyncWhoseSyncHangs(PlantedBugs plantedBugs)
    {
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk) { MaxHang = TimeSpan.FromSeconds(1) };
        using var cache = QuietCaches.Create(plantedBugs);
        using CachedFile file = cache.Open(store);
        using CachedFile other = cache.Open(store);
        byte[] data = BytePatterns.Create(2 * PageSize, 22);
        file.Write(0, data);
        store.AddRule(new FaultRule { Operations = StoreOperations.Flush, NthCall = 1, Effect = FaultEffect.Hang });
        using var stop = new CancellationTokenSource();

        Task flush = file.FlushAsync(stop.Token).AsTask();
        Assert.True(SpinWait.SpinUntil(() => store.CallCount(StoreOperations.Flush) == 1, TimeSpan.FromSeconds(30)), "The flush reached the store's durable flush.");
        Assert.False(flush.IsCompleted, "The flush waits while the store's durable flush hangs.");
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flush);

        // The hung sync gives up (MaxHang) and fails: its pages are dirty again and the failure
        // is an epoch, which the next flush of each handle reports once; a flush then writes and
        // syncs them again.
        Assert.Throws<WritebackFailedException>(file.Flush);
        file.Flush();
        Assert.Equal(data, disk.DurableContent);
        Assert.Throws<WritebackFailedException>(other.Flush);
        other.Flush();
        Assert.Equal(0, disk.PendingChangeCount);
    }

    private static void FlushNothingWithAHungStore(PlantedBugs plantedBugs)
    {
        var store = new FaultInjectingBackingStore(new MemoryBackingStore());
        using var cache = QuietCaches.Create(plantedBugs);
        using CachedFile file = cache.Open(store);
        file.Flush(Timeout.InfiniteTimeSpan);
        store.AddRule(new FaultRule { Operations = StoreOperations.Flush, Effect = FaultEffect.Hang, Persistent = true });

        file.Flush(TimeSpan.Zero); // nothing written since the last sync: no sync to wait for

        Assert.Throws<ArgumentOutOfRangeException>(() => file.Flush(TimeSpan.FromMilliseconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => file.Flush(TimeSpan.FromDays(30)));
        Assert.Equal(1, store.CallCount(StoreOperations.Flush));
        store.Heal();
    }
}
