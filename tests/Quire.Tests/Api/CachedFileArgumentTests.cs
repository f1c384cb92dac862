// Proves every public method of CachedFile rejects bad input up front (P11, RELIABILITY H9): a
// table of calls with a negative offset or count, a range past long.MaxValue, a lease range that
// is empty or crosses a page, an undefined advice, a disposed handle or cache, a read-only
// handle, or a cancelled token. Each row asserts the exception type and the parameter it names,
// then that the file's length, content and dirty pages are what they were before the call. An
// extension past the largest file the store allows (EFBIG, S4 in docs/DURABILITY.md) is refused
// the same way, by the handle and by its stream, and changes nothing either.

using Quire.Internal;
using Quire.Testing;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Api;

public sealed class CachedFileArgumentTests
{
    private const int PageSize = QuietCaches.PageSize;
    private static readonly byte[] s_content = BytePatterns.Create((3 * PageSize) + 100, 1);

    /// <summary>Calls with bad arguments, by row name; each must throw before changing anything.</summary>
    private static readonly Dictionary<string, Func<CachedFile, ValueTask>> s_badCalls = new()
    {
        ["Read at a negative offset"] = f => Sync(() => f.Read(-1, new byte[1])),
        ["Read past long.MaxValue"] = f => Sync(() => f.Read(long.MaxValue, new byte[1])),
        ["Read of a range ending past long.MaxValue"] = f => Sync(() => f.Read(long.MaxValue - 4, new byte[5])),
        ["ReadAsync at a negative offset"] = async f => await f.ReadAsync(long.MinValue, new byte[1]),
        ["ReadAsync past long.MaxValue"] = async f => await f.ReadAsync(long.MaxValue - 1, new byte[2]),
        ["Write at a negative offset"] = f => Sync(() => f.Write(-1, new byte[1])),
        ["Write past long.MaxValue"] = f => Sync(() => f.Write(long.MaxValue, new byte[1])),
        ["Write of a range ending past long.MaxValue"] = f => Sync(() => f.Write(long.MaxValue - PageSize, new byte[PageSize + 1])),
        ["WriteAsync at a negative offset"] = async f => await f.WriteAsync(-PageSize, new byte[1]),
        ["WriteAsync past long.MaxValue"] = async f => await f.WriteAsync(long.MaxValue, new byte[1]),
        ["SetLength negative"] = f => Sync(() => f.SetLength(-1)),
        ["SetLength of long.MinValue"] = f => Sync(() => f.SetLength(long.MinValue)),
        ["FlushRange at a negative offset"] = f => Sync(() => f.FlushRange(-1, 1)),
        ["FlushRange of a negative count"] = f => Sync(() => f.FlushRange(0, -1)),
        ["FlushRange past long.MaxValue"] = f => Sync(() => f.FlushRange(1, long.MaxValue)),
        ["StartWriteback at a negative offset"] = f => Sync(() => f.StartWriteback(-1, 1)),
        ["StartWriteback of a negative count"] = f => Sync(() => f.StartWriteback(0, -5)),
        ["StartWriteback past long.MaxValue"] = f => Sync(() => f.StartWriteback(long.MaxValue, 1)),
        ["Advise at a negative offset"] = f => Sync(() => f.Advise(-1, 1, FileAdvice.DontNeed)),
        ["Advise of a negative count"] = f => Sync(() => f.Advise(0, -1, FileAdvice.WillNeed)),
        ["Advise past long.MaxValue"] = f => Sync(() => f.Advise(2, long.MaxValue - 1, FileAdvice.DontNeed)),
        ["Advise with an undefined advice"] = f => Sync(() => f.Advise(0, PageSize, (FileAdvice)99)),
        ["Advise with a negative advice"] = f => Sync(() => f.Advise(0, PageSize, (FileAdvice)(-1))),
        ["Pin at a negative offset"] = f => Sync(() => { using PageLease lease = f.Pin(-1, 1); }),
        ["Pin of a negative count"] = f => Sync(() => { using PageLease lease = f.Pin(0, -1); }),
        ["Pin of zero bytes"] = f => Sync(() => { using PageLease lease = f.Pin(10, 0); }),
        ["Pin across a page boundary"] = f => Sync(() => { using PageLease lease = f.Pin(PageSize - 100, 200); }),
        ["Pin of more than a page"] = f => Sync(() => { using PageLease lease = f.Pin(0, PageSize + 1); }),
        ["Pin past end of file"] = f => Sync(() => { using PageLease lease = f.Pin(3 * PageSize, 101); }),
        ["Pin wholly past end of file"] = f => Sync(() => { using PageLease lease = f.Pin(10 * PageSize, 1); }),
        ["Pin past long.MaxValue"] = f => Sync(() => { using PageLease lease = f.Pin(long.MaxValue, 1); }),
        ["PinForWrite at a negative offset"] = f => Sync(() => { using WritablePageLease lease = f.PinForWrite(-1, 1); }),
        ["PinForWrite of a negative count"] = f => Sync(() => { using WritablePageLease lease = f.PinForWrite(0, -1); }),
        ["PinForWrite of zero bytes"] = f => Sync(() => { using WritablePageLease lease = f.PinForWrite(PageSize, 0); }),
        ["PinForWrite across a page boundary"] = f => Sync(() => { using WritablePageLease lease = f.PinForWrite((2 * PageSize) - 1, 2); }),
        ["PinForWrite past long.MaxValue"] = f => Sync(() => { using WritablePageLease lease = f.PinForWrite(long.MaxValue, 1); }),
    };

    /// <summary>Every public call that must fail on a disposed handle or cache, with valid arguments.</summary>
    private static readonly Dictionary<string, Func<CachedFile, ValueTask>> s_everyCall = new()
    {
        ["Length"] = f => Sync(() => f.Length),
        ["Read"] = f => Sync(() => f.Read(0, new byte[10])),
        ["ReadAsync"] = async f => await f.ReadAsync(0, new byte[10]),
        ["Write"] = f => Sync(() => f.Write(0, new byte[10])),
        ["WriteAsync"] = async f => await f.WriteAsync(0, new byte[10]),
        ["SetLength"] = f => Sync(() => f.SetLength(1)),
        ["Flush"] = f => Sync(f.Flush),
        ["FlushAsync"] = async f => await f.FlushAsync(),
        ["FlushRange"] = f => Sync(() => f.FlushRange(0, PageSize)),
        ["StartWriteback"] = f => Sync(() => f.StartWriteback(0, PageSize)),
        ["GetStatistics"] = f => Sync(() => f.GetStatistics()),
        ["Advise Normal"] = f => Sync(() => f.Advise(0, 0, FileAdvice.Normal)),
        ["Advise WillNeed"] = f => Sync(() => f.Advise(0, PageSize, FileAdvice.WillNeed)),
        ["Advise DontNeed"] = f => Sync(() => f.Advise(0, PageSize, FileAdvice.DontNeed)),
        ["Pin"] = f => Sync(() => { using PageLease lease = f.Pin(0, 1); }),
        ["PinForWrite"] = f => Sync(() => { using WritablePageLease lease = f.PinForWrite(0, 1); }),
    };

    /// <summary>Calls a read-only handle must refuse.</summary>
    private static readonly Dictionary<string, Func<CachedFile, ValueTask>> s_writingCalls = new()
    {
        ["Write"] = f => Sync(() => f.Write(0, new byte[10])),
        ["WriteAsync"] = async f => await f.WriteAsync(0, new byte[10]),
        ["Write of nothing"] = f => Sync(() => f.Write(0, ReadOnlySpan<byte>.Empty)),
        ["SetLength shorter"] = f => Sync(() => f.SetLength(1)),
        ["SetLength longer"] = f => Sync(() => f.SetLength(100 * PageSize)),
        ["PinForWrite"] = f => Sync(() => { using WritablePageLease lease = f.PinForWrite(0, 1); }),
    };

    /// <summary>Calls given an already cancelled token.</summary>
    private static readonly Dictionary<string, Func<CachedFile, CancellationToken, ValueTask>> s_cancellableCalls = new()
    {
        ["ReadAsync of a page not in the cache"] = async (f, token) =>
        {
            f.Advise(0, 4 * PageSize, FileAdvice.DontNeed);
            await f.ReadAsync(2 * PageSize, new byte[10], token);
        },
        ["ReadAsync of a page in the cache"] = async (f, token) =>
        {
            f.Read(0, new byte[1]);
            await f.ReadAsync(0, new byte[10], token);
        },
        ["WriteAsync"] = async (f, token) => await f.WriteAsync(0, new byte[10], token),
        ["WriteAsync extending the file"] = async (f, token) => await f.WriteAsync(50 * PageSize, new byte[10], token),
        ["FlushAsync"] = async (f, token) =>
        {
            f.Write(5, [1]);
            await f.FlushAsync(token);
        },
    };

    public static TheoryData<string, Type, string> BadArgumentRows => new()
    {
        { "Read at a negative offset", typeof(ArgumentOutOfRangeException), "fileOffset" },
        { "Read past long.MaxValue", typeof(ArgumentOutOfRangeException), "buffer" },
        { "Read of a range ending past long.MaxValue", typeof(ArgumentOutOfRangeException), "buffer" },
        { "ReadAsync at a negative offset", typeof(ArgumentOutOfRangeException), "fileOffset" },
        { "ReadAsync past long.MaxValue", typeof(ArgumentOutOfRangeException), "buffer" },
        { "Write at a negative offset", typeof(ArgumentOutOfRangeException), "fileOffset" },
        { "Write past long.MaxValue", typeof(ArgumentOutOfRangeException), "buffer" },
        { "Write of a range ending past long.MaxValue", typeof(ArgumentOutOfRangeException), "buffer" },
        { "WriteAsync at a negative offset", typeof(ArgumentOutOfRangeException), "fileOffset" },
        { "WriteAsync past long.MaxValue", typeof(ArgumentOutOfRangeException), "buffer" },
        { "SetLength negative", typeof(ArgumentOutOfRangeException), "length" },
        { "SetLength of long.MinValue", typeof(ArgumentOutOfRangeException), "length" },
        { "FlushRange at a negative offset", typeof(ArgumentOutOfRangeException), "fileOffset" },
        { "FlushRange of a negative count", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "FlushRange past long.MaxValue", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "StartWriteback at a negative offset", typeof(ArgumentOutOfRangeException), "fileOffset" },
        { "StartWriteback of a negative count", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "StartWriteback past long.MaxValue", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "Advise at a negative offset", typeof(ArgumentOutOfRangeException), "fileOffset" },
        { "Advise of a negative count", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "Advise past long.MaxValue", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "Advise with an undefined advice", typeof(ArgumentOutOfRangeException), "advice" },
        { "Advise with a negative advice", typeof(ArgumentOutOfRangeException), "advice" },
        { "Pin at a negative offset", typeof(ArgumentOutOfRangeException), "fileOffset" },
        { "Pin of a negative count", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "Pin of zero bytes", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "Pin across a page boundary", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "Pin of more than a page", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "Pin past end of file", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "Pin wholly past end of file", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "Pin past long.MaxValue", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "PinForWrite at a negative offset", typeof(ArgumentOutOfRangeException), "fileOffset" },
        { "PinForWrite of a negative count", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "PinForWrite of zero bytes", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "PinForWrite across a page boundary", typeof(ArgumentOutOfRangeException), "byteCount" },
        { "PinForWrite past long.MaxValue", typeof(ArgumentOutOfRangeException), "byteCount" },
    };

    public static TheoryData<string> EveryCall => new(s_everyCall.Keys);

    public static TheoryData<string> WritingCalls => new(s_writingCalls.Keys);

    public static TheoryData<string> CancellableCalls => new(s_cancellableCalls.Keys);

    [Fact]
    public void TableCoversEveryBadArgumentCall()
    {
        Assert.Equal(s_badCalls.Keys.Order(), BadArgumentRows.Select(row => (string)row[0]).Order());
    }

    [Theory]
    [MemberData(nameof(BadArgumentRows))]
    public async Task BadArgumentIsRejectedNamingTheParameterAndChangesNothing(string call, Type exceptionType, string paramName)
    {
        using var target = CacheTarget.Open(CacheBacking.Memory, initialContent: s_content);
        Snapshot before = Snapshot.Take(target, target.File);

        Exception? error = await Record.ExceptionAsync(async () => await s_badCalls[call](target.File));

        Assert.NotNull(error);
        Assert.IsType(exceptionType, error);
        Assert.Equal(paramName, ((ArgumentException)error).ParamName);
        Assert.Contains(paramName, error.Message, StringComparison.Ordinal);
        before.AssertUnchanged(target, target.File);
    }

    [Theory]
    [MemberData(nameof(EveryCall))]
    public async Task CallOnADisposedHandleThrowsObjectDisposedExceptionAndChangesNothing(string call)
    {
        using var target = CacheTarget.Open(CacheBacking.Memory, initialContent: s_content);
        CachedFile disposed = target.OpenHandle();
        Snapshot before = Snapshot.Take(target, target.File);
        disposed.Dispose();

        Exception? error = await Record.ExceptionAsync(async () => await s_everyCall[call](disposed));

        Assert.IsType<ObjectDisposedException>(error);
        before.AssertUnchanged(target, target.File);
        Assert.Equal(target.File.Name, disposed.Name);
        Assert.Equal(PageSize, disposed.PageSize);
    }

    [Theory]
    [MemberData(nameof(EveryCall))]
    public async Task CallAfterTheCacheIsDisposedThrowsObjectDisposedExceptionAndChangesNothing(string call)
    {
        var store = new MemoryBackingStore("disposed cache", s_content);
        var cache = QuietCaches.Create();
        CachedFile file = cache.Open(store);
        file.Write(0, [0xAA]); // a dirty page, written by the dispose
        cache.Dispose();
        byte[] stored = store.ToArray();

        Exception? error = await Record.ExceptionAsync(async () => await s_everyCall[call](file));

        Assert.IsType<ObjectDisposedException>(error);
        Assert.Equal(stored, store.ToArray());
        Assert.Equal(0xAA, stored[0]);
        file.Dispose();
    }

    [Theory]
    [MemberData(nameof(WritingCalls))]
    public async Task WritingCallOnAReadOnlyHandleThrowsNotSupportedExceptionAndChangesNothing(string call)
    {
        using var target = CacheTarget.Open(CacheBacking.Memory, initialContent: s_content);
        CachedFile reader = target.OpenHandle(FileAccess.Read);
        Snapshot before = Snapshot.Take(target, target.File);

        Exception? error = await Record.ExceptionAsync(async () => await s_writingCalls[call](reader));

        Assert.IsType<NotSupportedException>(error);
        before.AssertUnchanged(target, target.File);
    }

    [Theory]
    [MemberData(nameof(CancellableCalls))]
    public async Task CallWithACancelledTokenIsCancelledAndChangesNothing(string call)
    {
        using var target = CacheTarget.Open(CacheBacking.Memory, initialContent: s_content);
        Snapshot before = Snapshot.Take(target, target.File);
        long readsBefore = target.Store!.ReadCount;

        Exception? error = await Record.ExceptionAsync(async () => await s_cancellableCalls[call](target.File, new CancellationToken(canceled: true)));

        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.Equal(readsBefore, target.Store.ReadCount);
        Assert.Equal((0L, 0L), (target.Store.WriteCount, target.Store.FlushCount));
        if (call != "FlushAsync")
        {
            before.AssertUnchanged(target, target.File);
        }
    }

    [Fact]
    public void AnExtensionPastTheLargestFileTheStoreAllowsIsRefusedAndChangesNothing() => ExtendPastTheLargestFile(PlantedBugs.None);

    /// <summary>
    /// The store refuses a length as too large (EFBIG): the handle throws a permanent
    /// <see cref="BackingStoreException"/>, the stream the <see cref="ArgumentOutOfRangeException"/>
    /// <see cref="FileStream"/> throws, and the size, bytes and dirty pages stay as they were, in
    /// the cache and in the store. Run against a cache with <paramref name="plantedBugs"/>.
    /// </summary>
    internal static void ExtendPastTheLargestFile(PlantedBugs plantedBugs)
    {
        var memory = new MemoryBackingStore("efbig", s_content);
        var store = new FaultInjectingBackingStore(memory);
        using var cache = QuietCaches.Create(plantedBugs);
        using CachedFile file = cache.Open(store);
        file.Write(PageSize + 10, [7, 7, 7]); // a dirty page the refused calls must leave dirty
        long length = file.Length;
        byte[] content = new byte[length];
        file.Read(0, content);
        const long tooLarge = 64L * PageSize; // the store says EFBIG; small, so a bug that keeps it costs no memory
        store.AddRule(FaultRule.FailAll(StoreOperations.SetLength, IOErrorKind.TooLarge));
        try
        {
            var refused = Assert.Throws<BackingStoreException>(() => file.SetLength(tooLarge));
            Assert.Equal(IOErrorKind.TooLarge, refused.ErrorKind);
            Assert.True(refused.IsPermanent, "EFBIG is a failure retrying cannot heal.");
            AssertUnchanged("the handle's SetLength");

            using (CachedFileStream stream = file.AsStream(leaveOpen: true))
            {
                Assert.Throws<ArgumentOutOfRangeException>(() => stream.SetLength(tooLarge));
            }

            AssertUnchanged("the stream's SetLength");
        }
        finally
        {
            store.Heal(); // so the dispose's flush cannot fail, whatever the calls left
        }

        file.Flush();
        Assert.Equal(content, memory.ToArray());

        void AssertUnchanged(string call)
        {
            Assert.True(file.Length == length, $"After {call} was refused the file is {file.Length} bytes, not {length}.");
            Assert.True(memory.GetLength() == length, $"After {call} was refused the store is {memory.GetLength()} bytes, not {length}.");
            byte[] now = new byte[length];
            file.Read(0, now);
            Assert.Equal(content, now);
            Assert.Equal(1, cache.GetStatistics().DirtyPages);
            Assert.Equal(s_content, memory.ToArray());
        }
    }

    [Fact]
    public void NameCanWriteAndPageSizeStayReadableAfterDispose()
    {
        using var cache = QuietCaches.Create();
        CachedFile file = cache.Open(new MemoryBackingStore("kept"));

        file.Dispose();

        Assert.Equal("kept", file.Name);
        Assert.True(file.CanWrite);
        Assert.Equal(PageSize, file.PageSize);
    }

    [Fact]
    public async Task DisposingAHandleTwiceOrAsynchronouslyIsANoOp()
    {
        var store = new MemoryBackingStore();
        using var cache = QuietCaches.Create();
        CachedFile file = cache.Open(store);
        CachedFile other = cache.Open(store);
        file.Write(0, [1, 2, 3]);

        file.Dispose();
        file.Dispose();
        await file.DisposeAsync();

        Assert.Equal(3, other.Length);
        Assert.Equal(1, cache.GetStatistics().OpenFiles);
        await other.DisposeAsync();
        other.Dispose();
        Assert.Equal(0, cache.GetStatistics().OpenFiles);
        Assert.Equal(new byte[] { 1, 2, 3 }, store.ToArray());
    }

    private static ValueTask Sync(Action action)
    {
        action();
        return ValueTask.CompletedTask;
    }

    private static ValueTask Sync<T>(Func<T> function)
    {
        _ = function();
        return ValueTask.CompletedTask;
    }

    /// <summary>What a rejected call must leave as it was: size, bytes, dirty pages and store calls.</summary>
    private sealed record Snapshot(long Length, byte[] Content, int DirtyPages, long StoreWrites, byte[] Stored)
    {
        public static Snapshot Take(CacheTarget target, CachedFile file)
        {
            var content = new byte[file.Length];
            file.Read(0, content);
            return new Snapshot(file.Length, content, target.Cache.GetStatistics().DirtyPages, target.Store!.WriteCount, target.Store.ToArray());
        }

        public void AssertUnchanged(CacheTarget target, CachedFile file)
        {
            Assert.Equal(Length, file.Length);
            var content = new byte[file.Length];
            file.Read(0, content);
            Assert.Equal(Content, content);
            Assert.Equal(DirtyPages, target.Cache.GetStatistics().DirtyPages);
            Assert.Equal(StoreWrites, target.Store!.WriteCount);
            Assert.Equal(Stored, target.Store.ToArray());
        }
    }
}
