// ScenarioHarness: one file behind a fault-injecting, power-cut simulating store, opened by two
// handles through a small cache with a manual clock and no page writer thread, and a model of
// the file. Every operation is checked as it happens: an error only if a fault fired (I4), a
// demanded read that hit a fault must fail, an error names the injected kind, a read equals the
// model (I1). Finish heals the device and checks that every handle reports the faults as the
// contract says (I5), that the data lands (I9), and that the idle cache holds nothing (I7).

using Quire.Internal;
using Quire.Testing;

namespace Quire.Tests.Reliability;

internal sealed class ScenarioHarness : IDisposable
{
    public const int PageSize = 4096;
    private readonly List<string> _log = [];
    private readonly int[] _reports; // WritebackFailedExceptions thrown to each handle
    private bool _disposed;

    public ScenarioHarness(
        FailedFlushBehavior personality = FailedFlushBehavior.KeepWrites,
        PlantedBugs plantedBugs = PlantedBugs.None,
        int frameCount = 16,
        ReadOnlySpan<byte> initialContent = default,
        ulong seed = 0,
        Action<ScenarioHarness>? afterStoreCall = null)
    {
        Disk = new CrashSimulatingBackingStore("scenario", initialContent) { FailedFlushBehavior = personality };
        Store = new FaultInjectingBackingStore(Disk, seed);
        Cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = (long)frameCount * PageSize,
            MinFreeFrames = 1,
            MaxReadAheadBytes = 0, // every read is demanded: a read fault must reach its caller
            MaxClusterBytes = 8 * PageSize,
            MaxFrameWait = TimeSpan.Zero, // one reclaim attempt: the count of store calls does not depend on the wall clock
            MaxPageWait = TimeSpan.FromSeconds(2), // bounds the wait of a case whose cache latched after a failed check
            TimeProvider = Clock,
            StartPageWriter = false,
            PlantedBugs = plantedBugs,
        });
        IBackingStore opened = afterStoreCall is null ? Store : new ObservedStore(Store, () => afterStoreCall(this));
        Handles = [Cache.Open(opened), Cache.Open(opened)];
        _reports = new int[Handles.Length];
        Model.Write(0, initialContent);
        Model.MarkDurable();
    }

    public ManualTimeProvider Clock { get; } = new();

    public CrashSimulatingBackingStore Disk { get; }

    public FaultInjectingBackingStore Store { get; }

    public PageCache Cache { get; }

    public CachedFile[] Handles { get; }

    public FileModel Model { get; } = new();

    /// <summary>The error kind every injected failure carries, checked on each exception that names one.</summary>
    public IOErrorKind ExpectedKind { get; set; } = IOErrorKind.IOError;

    /// <summary>The number of operations run.</summary>
    public int OperationCount { get; private set; }

    /// <summary>Whether read faults, once fired, keep firing: a read that hit one must then fail.</summary>
    public bool ReadFaultsPersist { get; set; }

    public int ErrorsReported { get; private set; }

    /// <summary>Faults fired on writes, durable flushes and size changes: the only ones a write error may report.</summary>
    public long WriteFaultsFired => Store.FiredCount(StoreOperations.Write) + Store.FiredCount(StoreOperations.Flush) + Store.FiredCount(StoreOperations.SetLength);

    public string Log => string.Join("; ", _log);

    public long CallCount => Store.CallCount(StoreOperations.Read) + Store.CallCount(StoreOperations.Write)
        + Store.CallCount(StoreOperations.Flush) + Store.CallCount(StoreOperations.SetLength);

    public static byte[] Pattern(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (byte)((i * 7) + (seed * 13) + 1))];

    /// <summary>
    /// Whether writes and size changes are applied to the model before the cache sees them, so a
    /// crash checked in the middle of the call already allows their bytes (runs without faults only).
    /// </summary>
    public bool ModelFirst { get; set; }

    public void Write(int handle, long fileOffset, int length, int seed)
    {
        byte[] data = Pattern(length, seed);
        if (ModelFirst)
        {
            Model.Write(fileOffset, data);
            Assert.True(Run($"h{handle}.write({fileOffset}, {length})", handle, () => Handles[handle].Write(fileOffset, data)), Log);
            return;
        }

        if (Run($"h{handle}.write({fileOffset}, {length})", handle, () => Handles[handle].Write(fileOffset, data)))
        {
            Model.Write(fileOffset, data);
        }
    }

    public void PinForWrite(int handle, long fileOffset, int length, int seed)
    {
        byte[] data = Pattern(length, seed);
        if (Run($"h{handle}.pinForWrite({fileOffset}, {length})", handle, () =>
        {
            using WritablePageLease lease = Handles[handle].PinForWrite(fileOffset, length);
            data.CopyTo(lease.Span);
        }))
        {
            Model.Write(fileOffset, data);
        }
    }

    public void Read(int handle, long fileOffset, int length)
    {
        var buffer = new byte[length];
        int read = 0;
        if (Run($"h{handle}.read({fileOffset}, {length})", handle, () => read = Handles[handle].Read(fileOffset, buffer)))
        {
            ReadOnlySpan<byte> expected = Model.Read(fileOffset, length);
            Assert.True(expected.Length == read, $"Read of {length} at {fileOffset} returned {read} bytes; the model has {expected.Length}. {Log}");
            Assert.True(expected.SequenceEqual(buffer.AsSpan(0, read)), $"Read of {length} at {fileOffset} differs from the model. {Log}");
        }
    }

    public void SetLength(int handle, long length)
    {
        long before = Model.Length;
        if (ModelFirst)
        {
            Model.SetLength(length);
            Assert.True(Run($"h{handle}.setLength({length})", handle, () => Handles[handle].SetLength(length)), Log);
            return;
        }

        if (Run($"h{handle}.setLength({length})", handle, () => Handles[handle].SetLength(length)))
        {
            Model.SetLength(length);
            return;
        }

        // A failed size change may have been applied to the cache (the store catches up later) or not at all.
        long now = Handles[handle].Length;
        Assert.True(now == length || now == before, $"After a failed SetLength({length}) the size is {now}, neither the old {before} nor the new. {Log}");
        if (now == length)
        {
            Model.SetLength(length);
        }
    }

    /// <summary>
    /// Pins [<paramref name="pinOffset"/>, + <paramref name="pinLength"/>) through handle
    /// <paramref name="pinHandle"/>, sets the size to <paramref name="length"/> through
    /// <paramref name="handle"/> while the lease is held, and checks that the lease still shows
    /// what it pinned (T3: a truncate neither frees nor changes a pinned frame); then lets it go.
    /// </summary>
    public void SetLengthWhilePinned(int pinHandle, long pinOffset, int pinLength, int handle, long length)
    {
        string name = $"h{pinHandle}.pin({pinOffset}, {pinLength})";
        long readFaultsBefore = Store.FiredCount(StoreOperations.Read);
        OperationCount++;
        PageLease lease;
        try
        {
            lease = Handles[pinHandle].Pin(pinOffset, pinLength);
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            CheckFailure(name, pinHandle, e);
            return;
        }

        using (lease)
        {
            CheckSuccess(name, readFaultsBefore);
            byte[] pinned = lease.Span.ToArray();
            Assert.True(Model.Read(pinOffset, pinLength).SequenceEqual(pinned), $"Pinned bytes at {pinOffset} differ from the model. {Log}");
            SetLength(handle, length);
            Assert.True(lease.Span.SequenceEqual(pinned), $"The pinned bytes at {pinOffset} changed under a size change to {length}. {Log}");
        }
    }

    public void Flush(int handle)
    {
        if (Run($"h{handle}.flush", handle, () => Handles[handle].Flush()))
        {
            AfterSuccessfulFlush?.Invoke(this);
        }
    }

    public void FlushAll()
    {
        if (Run("flushAll", -1, Cache.FlushAll))
        {
            AfterSuccessfulFlush?.Invoke(this);
        }
    }

    /// <summary>Called after a flush returned normally: everything written so far must be durable.</summary>
    public Action<ScenarioHarness>? AfterSuccessfulFlush { get; set; }

    public void DontNeed(int handle, long fileOffset, long byteCount) =>
        Run($"h{handle}.dontNeed({fileOffset}, {byteCount})", handle, () => Handles[handle].Advise(fileOffset, byteCount, FileAdvice.DontNeed));

    public void StartWriteback(int handle) => Run($"h{handle}.startWriteback", handle, () => Handles[handle].StartWriteback(0, long.MaxValue - 1));

    /// <summary>Ages every dirty page past the expiry interval and runs one page writer pass.</summary>
    public void RunPageWriter() => Run("pageWriter", -1, () =>
    {
        Clock.Advance(TimeSpan.FromSeconds(31));
        Cache.PageWriter.RunOnePass();
    });

    /// <summary>
    /// Heals the device and checks the end state: each handle's first flush may report an epoch
    /// it has not reported (and must, if a write or flush fault fired and it reported none), its
    /// second succeeds; the cache reads the model; the disk's durable image is the model; the idle
    /// cache holds nothing. With <paramref name="exactlyOnce"/> (a single fault) each handle reports
    /// a write or flush fault exactly once in all.
    /// </summary>
    public void Finish(bool exactlyOnce)
    {
        long writeFaults = Store.FiredCount(StoreOperations.Write) + Store.FiredCount(StoreOperations.Flush);
        long anyFaults = Store.FaultsFired;
        long reportableFaults = anyFaults - (ReadFaultsPersist ? 0 : Store.FiredCount(StoreOperations.Read));
        Store.Heal();
        for (int h = 0; h < Handles.Length; h++)
        {
            try
            {
                Handles[h].Flush();
            }
            catch (WritebackFailedException e)
            {
                Assert.True(writeFaults > 0 || Store.FiredCount(StoreOperations.SetLength) > 0, $"Handle {h}'s flush after healing reported a write error though no write, flush or size change failed: {e.Message} {Log}");
                _reports[h]++;
                ErrorsReported++;
            }

            try
            {
                Handles[h].Flush(); // healed, reported: must succeed
            }
            catch (IOException e)
            {
                Assert.Fail($"Handle {h}'s second flush after healing threw, though its first had reported what failed: {e.Message} {Log}");
            }

            if (writeFaults > 0)
            {
                Assert.True(_reports[h] >= 1, $"Handle {h} never heard of the {writeFaults} write or flush faults that fired. {Log}");
                if (exactlyOnce)
                {
                    Assert.True(_reports[h] == 1, $"Handle {h} heard of one fault {_reports[h]} times. {Log}");
                }
            }
        }

        if (reportableFaults > 0)
        {
            Assert.True(ErrorsReported > 0, $"{anyFaults} faults fired and no error was reported to anyone. {Log}");
        }

        Model.MarkDurable();
        var all = new byte[Model.Length];
        Assert.True(all.Length == Handles[0].Length, $"The size is {Handles[0].Length}; the model says {all.Length}. {Log}");
        Assert.Equal(all.Length, Handles[0].Read(0, all));
        Assert.True(Model.Content.SequenceEqual(all), $"The cache's content differs from the model after healing. {Log}");
        byte[] durable = Disk.DurableContent;
        Assert.True(Model.Content.SequenceEqual(durable), $"The durable image ({durable.Length} bytes) differs from the model ({Model.Length} bytes) after a successful flush: {FirstDifference(Model.Content, durable)}. {Log}");
        CacheInspector.AssertQuiescent(Cache, Log);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Store.Heal();
        foreach (IDisposable disposable in Handles.Cast<IDisposable>().Append(Cache))
        {
            try
            {
                disposable.Dispose();
            }
            catch (Exception e) when (e is IOException or TimeoutException or PageCacheInvariantException)
            {
                // A scenario that failed its checks, or a store that lost power, leaves data that
                // cannot be written or pages still held; the test's own checks already explain it,
                // and an exception from here would hide their assertion.
            }
        }
    }

    public static string FirstDifference(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        int common = expected.CommonPrefixLength(actual);
        return common == expected.Length && common == actual.Length ? "none" : $"first difference at byte {common}";
    }

    /// <summary>Runs one operation; returns whether it succeeded. An exception is checked against the faults fired (I4).</summary>
    private bool Run(string name, int handle, Action action)
    {
        long readFaultsBefore = Store.FiredCount(StoreOperations.Read);
        OperationCount++;
        try
        {
            action();
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            CheckFailure(name, handle, e);
            return false;
        }

        CheckSuccess(name, readFaultsBefore);
        return true;
    }

    /// <summary>Checks an operation's exception against the faults fired (I4) and counts it as reported.</summary>
    private void CheckFailure(string name, int handle, Exception e)
    {
        _log.Add($"{name} threw {e.GetType().Name}");
        Assert.True(Store.FaultsFired > 0, $"{name} threw with no fault fired (an invented error): {e} {Log}");
        Assert.True(
            e is not WritebackFailedException || WriteFaultsFired > 0,
            $"{name} reported a write error though only reads failed (an invented error): {e.Message} {Log}");
        IOErrorKind? kind = e switch
        {
            WritebackFailedException w => w.ErrorKind,
            BackingStoreException b => b.ErrorKind,
            _ => null,
        };
        Assert.True(kind is null || kind == ExpectedKind, $"{name} reported {kind}; the injected kind was {ExpectedKind}. {Log}");
        ErrorsReported++;
        if (e is WritebackFailedException && handle >= 0)
        {
            _reports[handle]++;
        }
    }

    /// <summary>Checks an operation that returned: a read it demanded that failed persistently must have reached it.</summary>
    private void CheckSuccess(string name, long readFaultsBefore)
    {
        // A transient read fault may be retried away (the read path rereads a failed cluster's
        // demanded page alone); a persistent one must reach the caller.
        Assert.True(!ReadFaultsPersist || Store.FiredCount(StoreOperations.Read) == readFaultsBefore, $"{name} succeeded although a read it demanded failed persistently. {Log}");
        _log.Add(name);
    }
}
