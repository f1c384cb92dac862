// Proves the error contract of writeback and flush (RELIABILITY P2-P5): a failed write never
// drops data, every handle sees each error epoch exactly once at its next flush, a flush whose
// own attempt fails always throws, a failed durable flush re-dirties what it covered, and the data
// lands once the device heals. Uses a store that fails on command and the stepped page writer.

using Quire.Testing;

namespace Quire.Tests.Writeback;

[Collection("Writeback")]
public sealed class WritebackErrorTests
{
    private const int PageSize = 4096;
    private const int Eio = 5;
    private const int Enospc = 28;

    private static PageCache NewCache(ManualTimeProvider clock) => new(new PageCacheOptions
    {
        MemoryLimitBytes = 128 * PageSize,
        TimeProvider = clock,
        StartPageWriter = false,
    });

    private static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)((i * 31) + seed)).ToArray();

    [Fact]
    public void AnIOErrorOnceFailsTheFlushKeepsTheDataDirtyAndTheNextFlushWritesIt()
    {
        using var cache = NewCache(new ManualTimeProvider());
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        store.AddRule(FaultRule.FailNth(StoreOperations.Write, 1));
        using CachedFile file = cache.Open(store);
        byte[] data = Pattern(5 * PageSize, 1);
        file.Write(0, data);

        var error = Assert.Throws<WritebackFailedException>(file.Flush);
        Assert.Equal(IOErrorKind.IOError, error.ErrorKind);
        Assert.Equal(Eio, error.HResult);
        Assert.Equal([new ByteRange(0, 5 * PageSize)], error.Ranges);
        Assert.Equal(5, cache.GetStatistics().DirtyPages);

        file.Flush();
        Assert.Equal(data, disk.DurableContent);
    }

    [Fact]
    public void APersistentIOErrorFailsEveryFlushOfEveryHandleUntilTheDeviceHeals()
    {
        using var cache = NewCache(new ManualTimeProvider());
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        store.AddRule(FaultRule.FailAll(StoreOperations.Write));
        using CachedFile first = cache.Open(store);
        using CachedFile second = cache.Open(store);
        byte[] data = Pattern(3 * PageSize, 2);
        first.Write(0, data);

        for (int i = 0; i < 3; i++)
        {
            Assert.Throws<WritebackFailedException>(first.Flush);
            Assert.Throws<WritebackFailedException>(second.Flush);
        }

        Assert.Equal(3, cache.GetStatistics().DirtyPages);
        store.Heal();
        first.Flush();
        second.Flush();
        Assert.Equal(data, disk.DurableContent);
    }

    [Fact]
    public void NoSpaceIsReportedAsNoSpaceAndTheDataLandsWhenSpaceReturns()
    {
        using var cache = NewCache(new ManualTimeProvider());
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        store.AddRule(FaultRule.FailAll(StoreOperations.Write, IOErrorKind.NoSpace));
        using CachedFile file = cache.Open(store);
        byte[] data = Pattern(PageSize, 3);
        file.Write(0, data);

        var error = Assert.Throws<WritebackFailedException>(file.Flush);
        Assert.Equal(IOErrorKind.NoSpace, error.ErrorKind);
        Assert.Equal(Enospc, error.HResult);

        store.Heal();
        file.Flush();
        Assert.Equal(data, disk.DurableContent);
    }

    [Fact]
    public void AFailedDurableFlushMakesTheWrittenPagesDirtyAgainAndTheyAreRewritten()
    {
        using var cache = NewCache(new ManualTimeProvider());
        var disk = new CrashSimulatingBackingStore() { FailedFlushBehavior = FailedFlushBehavior.DropWrites };
        var store = new FaultInjectingBackingStore(disk);
        store.AddRule(FaultRule.FailAll(StoreOperations.Flush));
        using CachedFile file = cache.Open(store);
        byte[] data = Pattern(4 * PageSize, 4);
        file.Write(0, data);

        Assert.Throws<WritebackFailedException>(file.Flush);
        Assert.DoesNotContain(disk.Content, b => b != 0); // the OS dropped the written pages (the size stays), as Linux does after a failed fsync
        Assert.Equal(4, cache.GetStatistics().DirtyPages);

        store.Heal();
        file.Flush();
        Assert.Equal(data, disk.DurableContent);
    }

    [Fact]
    public void EveryHandleSeesABackgroundErrorExactlyOnce()
    {
        var clock = new ManualTimeProvider();
        using var cache = NewCache(clock);
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        store.AddRule(FaultRule.FailAll(StoreOperations.Write));
        CachedFile[] handles = [cache.Open(store), cache.Open(store), cache.Open(store)];
        byte[] data = Pattern(2 * PageSize, 5);
        handles[0].Write(0, data);

        clock.Advance(TimeSpan.FromSeconds(31));
        cache.PageWriter.RunOnePass(); // expiry: the write fails in the background, several times
        clock.Advance(TimeSpan.FromSeconds(31));
        cache.PageWriter.RunOnePass();
        store.Heal();
        clock.Advance(TimeSpan.FromSeconds(31));
        cache.PageWriter.RunOnePass(); // healed: the data lands without any new write
        Assert.Equal(data, disk.DurableContent);

        foreach (CachedFile handle in handles)
        {
            Assert.Throws<WritebackFailedException>(handle.Flush);
            handle.Flush(); // exactly once per handle
        }

        using CachedFile later = cache.Open(store);
        later.Flush(); // the epoch was seen: a handle opened afterwards is not told
        foreach (CachedFile handle in handles)
        {
            handle.Dispose();
        }
    }

    [Fact]
    public void AnErrorNobodySawIsReportedToTheNextOpenerAndTheFileObjectIsKept()
    {
        var clock = new ManualTimeProvider();
        using var cache = NewCache(clock);
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        store.AddRule(FaultRule.FailAll(StoreOperations.Write));
        CachedFile handle = cache.Open(store);
        handle.Write(0, Pattern(PageSize, 6));
        clock.Advance(TimeSpan.FromSeconds(31));
        cache.PageWriter.RunOnePass();
        store.Heal();
        handle.Dispose(); // its flush succeeds now, but nobody was told of the failure

        Assert.Equal(1, cache.GetStatistics().OpenFiles);
        CachedFile reopened = cache.Open(store);
        Assert.Throws<WritebackFailedException>(reopened.Flush);
        reopened.Flush();
        reopened.Dispose();
        Assert.Equal(0, cache.GetStatistics().OpenFiles); // reported and clean: nothing keeps it open now
    }

    [Fact]
    public void AFileKeptOpenAfterAFailedCloseIsClosedOnceItsDataLands()
    {
        using var cache = NewCache(new ManualTimeProvider());
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        store.AddRule(FaultRule.FailAll(StoreOperations.Write));
        CachedFile handle = cache.Open(store);
        byte[] data = Pattern(2 * PageSize, 9);
        handle.Write(0, data);

        Assert.Throws<WritebackFailedException>(handle.Dispose); // never silent: the data is kept
        Assert.Equal(1, cache.GetStatistics().OpenFiles);
        Assert.Equal(2, cache.GetStatistics().DirtyPages);

        store.Heal();
        Assert.Throws<WritebackFailedException>(cache.FlushAll); // the data lands; FlushAll's own cursor reports the epoch once
        Assert.Equal(data, disk.DurableContent);
        Assert.Equal(0, cache.GetStatistics().OpenFiles);
        cache.FlushAll();
    }

    [Fact]
    public void FlushAllReportsThroughItsOwnCursorAndHandlesStillSeeTheError()
    {
        var clock = new ManualTimeProvider();
        using var cache = NewCache(clock);
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        store.AddRule(FaultRule.FailAll(StoreOperations.Write));
        using CachedFile handle = cache.Open(store);
        handle.Write(0, Pattern(PageSize, 7));
        clock.Advance(TimeSpan.FromSeconds(31));
        cache.PageWriter.RunOnePass();
        store.Heal();
        clock.Advance(TimeSpan.FromSeconds(31));
        cache.PageWriter.RunOnePass();

        Assert.Throws<WritebackFailedException>(cache.FlushAll);
        cache.FlushAll();
        Assert.Throws<WritebackFailedException>(handle.Flush);
        handle.Flush();
    }

    [Fact]
    public void ARepeatedBackgroundFailureIsOneEpochNotMany()
    {
        var clock = new ManualTimeProvider();
        using var cache = NewCache(clock);
        var disk = new CrashSimulatingBackingStore();
        var store = new FaultInjectingBackingStore(disk);
        store.AddRule(FaultRule.FailAll(StoreOperations.Write));
        using CachedFile handle = cache.Open(store);
        handle.Write(0, Pattern(PageSize, 8));
        for (int i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(31));
            cache.PageWriter.RunOnePass();
        }

        Assert.True(store.FiredCount(StoreOperations.Write) >= 5);
        store.Heal();
        Assert.Throws<WritebackFailedException>(handle.Flush); // one report for the epoch
        handle.Flush();
    }
}
