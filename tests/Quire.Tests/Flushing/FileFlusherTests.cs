// Proves the data-integrity flush of a range: FlushRange writes the dirty pages its byte range
// touches and leaves the others dirty, then makes the file durable; an empty range does
// nothing; FlushAsync flushes without blocking its caller, reports a failure through its task,
// or does nothing when its token is already cancelled; a flush that overlaps another's failing
// durable flush never reports success for data that failure may have dropped, even when the
// failure joins an epoch its handle has already reported.

using Quire.Testing;
using Quire.Tests.Infrastructure;
using Quire.Tests.Reliability;

namespace Quire.Tests.Flushing;

public sealed class FileFlusherTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void FlushRangeWritesOnlyThePagesItsRangeTouches()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(PageSize, 1));
        file.Write(3 * PageSize, BytePatterns.Create(PageSize, 2));
        file.Write(10 * PageSize, BytePatterns.Create(PageSize, 3));

        file.FlushRange(PageSize - 1, (2 * PageSize) + 2); // touches pages 0 to 3

        Assert.Equal(1, cache.GetStatistics().DirtyPages);
        Assert.Equal(2, cache.GetStatistics().PagesWritten);
        Assert.Equal(1, store.FlushCount);
        byte[] stored = store.ToArray();
        Assert.Equal(BytePatterns.Create(PageSize, 1), stored[..PageSize]);
        Assert.Equal(BytePatterns.Create(PageSize, 2), stored[(3 * PageSize)..(4 * PageSize)]);
    }

    [Fact]
    public void FlushRangeOfNoBytesDoesNothing()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(PageSize, 4));

        file.FlushRange(0, 0);

        Assert.Equal((0L, 0L), (store.WriteCount, store.FlushCount));
        Assert.Equal(1, cache.GetStatistics().DirtyPages);
    }

    [Fact]
    public void FlushRangeToTheLargestOffsetFlushesEverything()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Write(5 * PageSize, BytePatterns.Create(10, 5));

        file.FlushRange(0, long.MaxValue);

        Assert.Equal(0, cache.GetStatistics().DirtyPages);
        Assert.Equal(BytePatterns.Create(10, 5), store.ToArray()[(5 * PageSize)..]);
    }

    [Fact]
    public async Task FlushAsyncWritesAndMakesDurable()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(3000, 6));

        await file.FlushAsync();

        Assert.Equal(BytePatterns.Create(3000, 6), store.ToArray());
        Assert.Equal(1, store.FlushCount);
    }

    [Fact]
    public async Task FlushAsyncReturnsWhileTheStoreIsStillWriting()
    {
        var store = new FaultyStore();
        using var gate = new ManualResetEventSlim(false);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(3000, 8));
        store.WriteGate = gate;

        ValueTask flush = file.FlushAsync();

        Assert.True(store.WriteStarted.Wait(TimeSpan.FromSeconds(30)), "the flush never reached the store");
        Assert.False(flush.IsCompleted);
        gate.Set();
        await flush;
        Assert.Equal(BytePatterns.Create(3000, 8), store.Durable[..3000]);
    }

    [Fact]
    public async Task FlushAsyncReportsAFailedFlushThroughItsTask()
    {
        var store = new FaultyStore { FailFlushesWith = FaultyStore.EIO };
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(3000, 9));

        ValueTask flush = file.FlushAsync();

        await Assert.ThrowsAsync<WritebackFailedException>(async () => await flush);
        Assert.Equal(1, cache.GetStatistics().DirtyPages);
        store.FailFlushesWith = 0;
        await file.FlushAsync();
        Assert.Equal(BytePatterns.Create(3000, 9), store.Durable[..3000]);
    }

    [Fact]
    public void AFlushOverlappingAFailingDurableFlushDoesNotReportSuccess()
    {
        // The OS drops pages after a failed fsync and the next fsync succeeds (PostgreSQL's 2018
        // lesson): a flush whose store flush runs after another's failed one must not call the
        // dropped data durable.
        var store = new FaultyStore { FailFlushesWith = FaultyStore.EIO, FailFlushesRemaining = 1, DropOnFailedFlush = true };
        using var gate = new ManualResetEventSlim(false);
        using var cache = QuietCaches.Create();
        using CachedFile first = cache.Open(store);
        using CachedFile second = cache.Open(store);
        first.Write(0, BytePatterns.Create(3000, 10));
        store.FlushGate = gate;

        Exception? failingError = null;
        Exception? overlappingError = null;
        var failing = new Thread(() => failingError = Record.Exception(first.Flush));
        failing.Start();
        Assert.True(store.FlushStarted.Wait(TimeSpan.FromSeconds(30)), "the first flush never reached the store");
        var overlapping = new Thread(() => overlappingError = Record.Exception(second.Flush));
        overlapping.Start();

        // Give the second flush time to reach the store and succeed there, as it can when nothing
        // orders it after the failing one; with that order it waits, and this wait just expires.
        SpinWait.SpinUntil(() => store.FlushCount > 0, TimeSpan.FromMilliseconds(500));
        gate.Set();

        Assert.True(failing.Join(TimeSpan.FromSeconds(30)) && overlapping.Join(TimeSpan.FromSeconds(30)), "a flush hung");
        Assert.IsType<WritebackFailedException>(failingError);
        Assert.True(overlappingError is WritebackFailedException, $"the overlapping flush gave {overlappingError?.ToString() ?? "success"}");
        first.Flush(); // the dropped data is written again
        Assert.Equal(BytePatterns.Create(3000, 10), store.Durable[..3000]);
    }

    [Fact]
    public void AFlushThatWaitedForAnotherFailingDurableFlushWritesAndSyncsAgainThoughItsHandleSawTheEpoch()
    {
        // The epoch is already open and reported to this handle (a page keeps failing), so the
        // other flush's failure joins it and is not reported again: only writing again keeps the
        // flush truthful about the pages that failure made dirty (P2).
        var disk = new CrashSimulatingBackingStore();
        var gated = new GatedFlushStore(disk);
        var store = new FaultInjectingBackingStore(gated);
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        using CachedFile other = cache.Open(store);
        file.Write(0, BytePatterns.Create(PageSize, 30));
        store.AddRule(new FaultRule { Operations = StoreOperations.Write, Range = new ByteRange(0, PageSize) });
        try
        {
            Assert.Throws<WritebackFailedException>(file.Flush); // the epoch starts; this handle reports it
            byte[] data = BytePatterns.Create(PageSize, 31);
            file.Write(2 * PageSize, data);
            gated.ArmFailingFlush();

            Exception? failingError = null;
            Exception? waitingError = null;
            var failing = new Thread(() => failingError = Record.Exception(() => other.FlushRange(2 * PageSize, PageSize)));
            failing.Start();
            Assert.True(gated.FlushStarted.Wait(TimeSpan.FromSeconds(30)), "the failing flush never reached the store");
            var waiting = new Thread(() => waitingError = Record.Exception(() => file.FlushRange(2 * PageSize, PageSize)));
            waiting.Start();
            Thread.Sleep(300); // let the range flush reach the durable flush the failing one holds
            gated.Gate.Set();

            Assert.True(failing.Join(TimeSpan.FromSeconds(30)) && waiting.Join(TimeSpan.FromSeconds(30)), "a flush hung");
            Assert.IsType<WritebackFailedException>(failingError);
            Assert.True(
                waitingError is not null || disk.DurableContent.AsSpan(2 * PageSize, PageSize).SequenceEqual(data),
                "The range flush reported success while the failed durable flush had dropped its data.");
        }
        finally
        {
            store.Heal(); // the failing page is written at last, and the cache can close
        }

        file.Flush();
    }

    [Fact]
    public async Task FlushAsyncWithACancelledTokenWritesNothing()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(3000, 7));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await file.FlushAsync(new CancellationToken(canceled: true)));

        Assert.Equal((0L, 0L), (store.WriteCount, store.FlushCount));
        Assert.Equal(1, cache.GetStatistics().DirtyPages);
    }

    [Fact]
    public void FlushOfAReadOnlyHandleWritesNothing()
    {
        var store = new MemoryBackingStore("ro", BytePatterns.Create(PageSize, 8));
        using var cache = QuietCaches.Create();
        using CachedFile writer = cache.Open(store);
        using CachedFile reader = cache.Open(store, FileAccess.Read);
        writer.Write(0, [1]);

        reader.Flush();
        reader.FlushRange(0, PageSize);

        Assert.Equal((0L, 0L), (store.WriteCount, store.FlushCount));
        Assert.Equal(1, cache.GetStatistics().DirtyPages);
    }
}
