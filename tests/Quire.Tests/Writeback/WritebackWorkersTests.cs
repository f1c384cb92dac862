// Proves the writeback threads' contract: every job of a batch runs once and RunAll returns only
// when all have ended; a caller waits for its own batch, never for another caller's blocked one;
// a job's exception comes back to its caller after the whole batch; after Dispose a caller runs
// its batch itself. And through a cache: a flush of scattered pages to a store whose writes wait
// for a device keeps several writes in flight, and the data lands whole.

using System.Collections.Concurrent;
using Quire.Tests.Infrastructure;
using Quire.Writeback;

namespace Quire.Tests.Writeback;

[Collection("Writeback")]
public sealed class WritebackWorkersTests
{
    [Fact]
    public void EveryJobRunsOnceAndRunAllReturnsWhenAllEnded()
    {
        using var workers = new WritebackWorkers(3, "test");
        var runs = new int[50];

        workers.RunAll(runs.Length, i => Interlocked.Increment(ref runs[i]));

        Assert.All(runs, count => Assert.Equal(1, count));
    }

    [Fact]
    public void ACallerWaitsForItsOwnBatchNotForAnotherCallersBlockedOne()
    {
        using var workers = new WritebackWorkers(2, "test");
        using var gate = new ManualResetEventSlim();
        using var blockedStarted = new ManualResetEventSlim();
        var blocked = new Thread(() => workers.RunAll(1, _ =>
        {
            blockedStarted.Set();
            gate.Wait(TimeSpan.FromSeconds(30));
        }));
        blocked.Start();
        Assert.True(blockedStarted.Wait(TimeSpan.FromSeconds(10)));

        int done = 0;
        var other = new Thread(() => workers.RunAll(4, _ => Interlocked.Increment(ref done)));
        other.Start();
        Assert.True(other.Join(TimeSpan.FromSeconds(10)), "The second batch finished while the first was blocked.");
        Assert.Equal(4, done);
        Assert.True(blocked.IsAlive);

        gate.Set();
        Assert.True(blocked.Join(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void AJobsExceptionComesBackAfterTheWholeBatch()
    {
        using var workers = new WritebackWorkers(2, "test");
        int finished = 0;

        var error = Assert.Throws<InvalidOperationException>(() => workers.RunAll(6, i =>
        {
            if (i == 0)
            {
                throw new FormatException("a bug");
            }

            Thread.Sleep(5);
            Interlocked.Increment(ref finished);
        }));

        Assert.IsType<FormatException>(error.InnerException);
        Assert.Equal(5, finished);
    }

    [Fact]
    public void AfterDisposeTheCallerRunsItsBatchItself()
    {
        var workers = new WritebackWorkers(2, "test");
        workers.Dispose();
        var threads = new ConcurrentBag<int>();

        workers.RunAll(3, _ => threads.Add(Environment.CurrentManagedThreadId));

        Assert.Equal([Environment.CurrentManagedThreadId], threads.Distinct());
    }

    [Fact]
    public void AFlushOfScatteredPagesToASlowStoreKeepsSeveralWritesInFlight()
    {
        const int pageSize = 4096;
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1024 * pageSize, MaxWritesInFlight = 4 });
        var store = new InFlightCountingStore();
        using CachedFile file = cache.Open(store);
        var expected = new byte[64 * 2 * pageSize];
        for (int page = 0; page < 128; page += 2)
        {
            byte[] data = BytePatterns.Create(pageSize, page);
            file.Write((long)page * pageSize, data); // 64 runs of one page
            data.CopyTo(expected, page * pageSize);
        }

        file.Flush();

        Assert.InRange(store.MostInFlight, 2, 4);
        Assert.Equal(expected.AsSpan(0, 127 * pageSize).ToArray(), store.Inner.ToArray());
    }

    /// <summary>A memory store whose writes take a millisecond, as a device's do, and which counts how many overlap.</summary>
    private sealed class InFlightCountingStore : IBackingStore
    {
        private int _inFlight;
        private int _mostInFlight;

        public MemoryBackingStore Inner { get; } = new("slow");

        public int MostInFlight => Volatile.Read(ref _mostInFlight);

        public string Name => Inner.Name;

        public bool CanWrite => true;

        public long GetLength() => Inner.GetLength();

        public void SetLength(long byteCount) => Inner.SetLength(byteCount);

        public int Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset) => Inner.Read(buffers, fileOffset);

        public ValueTask<int> ReadAsync(IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken) => Inner.ReadAsync(buffers, fileOffset, cancellationToken);

        public void Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset)
        {
            int now = Interlocked.Increment(ref _inFlight);
            int most;
            while (now > (most = Volatile.Read(ref _mostInFlight)) && Interlocked.CompareExchange(ref _mostInFlight, now, most) != most)
            {
            }

            Thread.Sleep(1);
            Inner.Write(buffers, fileOffset);
            Interlocked.Decrement(ref _inFlight);
        }

        public void Flush() => Inner.Flush();

        public void Dispose() => Inner.Dispose();
    }
}
