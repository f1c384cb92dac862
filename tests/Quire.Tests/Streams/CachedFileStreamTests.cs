// Proves CachedFileStream keeps the Stream contract, in the manner of dotnet/runtime's stream
// conformance tests: capabilities follow the handle's access and every kind of disposal; each
// argument error, disposed use and write on a read-only handle throws the exception Stream users
// expect before anything changes; reads, writes, seeks and lengths match a MemoryStream driven by
// the same seeded operations; flush is durable; cancellation leaves nothing half done; and
// disposal follows leaveOpen.

using Quire.Tests.Infrastructure;

namespace Quire.Tests.Streams;

public sealed class CachedFileStreamTests
{
    private const int PageSize = QuietCaches.PageSize;

    /// <summary>Calls on an open writable stream whose arguments are bad, with the exception each must throw.</summary>
    private static readonly Dictionary<string, (Type Expected, Func<Stream, Task> Call)> s_badArguments = new()
    {
        ["Read with a null array"] = (typeof(ArgumentNullException), s => Returned(() => s.Read(null!, 0, 1))),
        ["Read at a negative offset"] = (typeof(ArgumentOutOfRangeException), s => Returned(() => s.Read(new byte[4], -1, 1))),
        ["Read of a negative count"] = (typeof(ArgumentOutOfRangeException), s => Returned(() => s.Read(new byte[4], 0, -1))),
        ["Read past the array's end"] = (typeof(ArgumentOutOfRangeException), s => Returned(() => s.Read(new byte[4], 2, 3))),
        ["ReadAsync with a null array"] = (typeof(ArgumentNullException), s => s.ReadAsync(null!, 0, 1)),
        ["ReadAsync past the array's end"] = (typeof(ArgumentOutOfRangeException), s => s.ReadAsync(new byte[4], 4, 1)),
        ["Write with a null array"] = (typeof(ArgumentNullException), s => Sync(() => s.Write(null!, 0, 1))),
        ["Write at a negative offset"] = (typeof(ArgumentOutOfRangeException), s => Sync(() => s.Write(new byte[4], -1, 1))),
        ["Write past the array's end"] = (typeof(ArgumentOutOfRangeException), s => Sync(() => s.Write(new byte[4], 1, 4))),
        ["WriteAsync with a null array"] = (typeof(ArgumentNullException), s => s.WriteAsync(null!, 0, 1)),
        ["WriteAsync of a negative count"] = (typeof(ArgumentOutOfRangeException), s => s.WriteAsync(new byte[4], 0, -2)),
        ["Position set negative"] = (typeof(ArgumentOutOfRangeException), s => Sync(() => s.Position = -1)),
        ["SetLength negative"] = (typeof(ArgumentOutOfRangeException), s => Sync(() => s.SetLength(-1))),
        ["Seek with an undefined origin"] = (typeof(ArgumentException), s => Sync(() => s.Seek(0, (SeekOrigin)7))),
        ["Seek before the start"] = (typeof(IOException), s => Sync(() => s.Seek(-1, SeekOrigin.Begin))),
        ["Seek before the start from the end"] = (typeof(IOException), s => Sync(() => s.Seek(-(PageSize + 101), SeekOrigin.End))),
        ["Seek past long.MaxValue"] = (typeof(IOException), s => Sync(() => s.Seek(long.MaxValue, SeekOrigin.End))),
        ["Write past long.MaxValue"] = (typeof(IOException), s => Sync(() => { s.Position = long.MaxValue - 1; s.Write(new byte[2]); })),
        ["CopyTo a null destination"] = (typeof(ArgumentNullException), s => Sync(() => s.CopyTo(null!))),
        ["CopyTo with a zero buffer size"] = (typeof(ArgumentOutOfRangeException), s => Sync(() => s.CopyTo(Stream.Null, 0))),
        ["CopyTo a read-only destination"] = (typeof(NotSupportedException), s => Sync(() => s.CopyTo(new MemoryStream([], writable: false)))),
    };

    /// <summary>Every member that must throw ObjectDisposedException once the stream, its handle or its cache is disposed.</summary>
    private static readonly Dictionary<string, Func<Stream, Task>> s_disposedCalls = new()
    {
        ["Read"] = s => Returned(() => s.Read(new byte[1])),
        ["Read of an array"] = s => Returned(() => s.Read(new byte[1], 0, 1)),
        ["ReadByte"] = s => Returned(s.ReadByte),
        ["ReadAsync"] = s => s.ReadAsync(new byte[1]).AsTask(),
        ["Write"] = s => Sync(() => s.Write([1])),
        ["WriteByte"] = s => Sync(() => s.WriteByte(1)),
        ["WriteAsync"] = s => s.WriteAsync(new byte[1]).AsTask(),
        ["Seek"] = s => Sync(() => s.Seek(0, SeekOrigin.Begin)),
        ["Position get"] = s => Sync(() => _ = s.Position),
        ["Position set"] = s => Sync(() => s.Position = 0),
        ["Length"] = s => Sync(() => _ = s.Length),
        ["SetLength"] = s => Sync(() => s.SetLength(0)),
        ["Flush"] = s => Sync(s.Flush),
        ["FlushAsync"] = s => s.FlushAsync(),
        ["CopyTo"] = s => Sync(() => s.CopyTo(new MemoryStream())),
    };

    /// <summary>Every member that writes, each of which a read-only handle's stream refuses.</summary>
    private static readonly Dictionary<string, Func<Stream, Task>> s_writeCalls = new()
    {
        ["Write"] = s => Sync(() => s.Write([1, 2])),
        ["Write of an array"] = s => Sync(() => s.Write(new byte[2], 0, 2)),
        ["WriteByte"] = s => Sync(() => s.WriteByte(1)),
        ["WriteAsync"] = s => s.WriteAsync(new byte[2]).AsTask(),
        ["WriteAsync of an array"] = s => s.WriteAsync(new byte[2], 0, 2),
        ["SetLength"] = s => Sync(() => s.SetLength(1)),
    };

    [Fact]
    public void CapabilitiesFollowTheHandlesAccess()
    {
        using PageCache cache = QuietCaches.Create();
        using CachedFileStream writable = cache.Open(new MemoryBackingStore("rw")).AsStream();
        using CachedFileStream readOnly = cache.Open(new MemoryBackingStore("ro", canWrite: false), FileAccess.Read).AsStream();

        Assert.True(writable.CanRead && writable.CanWrite && writable.CanSeek);
        Assert.False(writable.CanTimeout);
        Assert.True(readOnly.CanRead && readOnly.CanSeek);
        Assert.False(readOnly.CanWrite);
    }

    [Fact]
    public void EveryBadArgumentThrowsBeforeAnythingChanges()
    {
        byte[] content = BytePatterns.Create(PageSize + 100, 3);
        foreach ((string row, (Type expected, Func<Stream, Task> call)) in s_badArguments)
        {
            using PageCache cache = QuietCaches.Create();
            var store = new MemoryBackingStore("bad", content);
            using CachedFileStream stream = cache.Open(store).AsStream();
            stream.Position = 7;

            Exception? thrown = Record.Exception(() => call(stream).GetAwaiter().GetResult());

            Assert.True(thrown is not null && thrown.GetType() == expected, $"{row}: expected {expected.Name}, got {thrown?.GetType().Name ?? "nothing"}.");
            Assert.True(stream.Length == content.Length, $"{row}: the length changed to {stream.Length}.");
            if (row != "Write past long.MaxValue")
            {
                Assert.True(stream.Position == 7, $"{row}: the position moved to {stream.Position}.");
            }

            Assert.Equal(0, cache.GetStatistics().DirtyPages);
        }
    }

    [Fact]
    public void EveryMemberThrowsObjectDisposedAfterTheStreamIsDisposed()
    {
        foreach ((string row, Func<Stream, Task> call) in s_disposedCalls)
        {
            using PageCache cache = QuietCaches.Create();
            CachedFile file = cache.Open(new MemoryBackingStore());
            CachedFileStream stream = file.AsStream(leaveOpen: true);
            stream.Dispose();

            AssertDisposed(row, stream, call);
            Assert.True(file.Length == 0, $"{row}: the handle was changed through a disposed stream.");
            file.Dispose();
        }
    }

    [Fact]
    public void EveryMemberThrowsObjectDisposedAfterTheHandleIsDisposed()
    {
        foreach ((string row, Func<Stream, Task> call) in s_disposedCalls)
        {
            using PageCache cache = QuietCaches.Create();
            CachedFile file = cache.Open(new MemoryBackingStore());
            using CachedFileStream stream = file.AsStream(leaveOpen: true);
            file.Dispose();

            AssertDisposed(row, stream, call);
        }
    }

    [Fact]
    public void EveryMemberThrowsObjectDisposedAfterTheCacheIsDisposed()
    {
        foreach ((string row, Func<Stream, Task> call) in s_disposedCalls)
        {
            var cache = QuietCaches.Create();
            CachedFileStream stream = cache.Open(new MemoryBackingStore()).AsStream();
            cache.Dispose();

            AssertDisposed(row, stream, call);
            stream.Dispose();
        }
    }

    [Fact]
    public void AsStreamOnADisposedHandleThrows()
    {
        using PageCache cache = QuietCaches.Create();
        CachedFile file = cache.Open(new MemoryBackingStore());
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.AsStream());
    }

    [Fact]
    public async Task EveryWriteOnAReadOnlyHandleThrowsNotSupported()
    {
        byte[] content = BytePatterns.Create(100, 5);
        foreach ((string row, Func<Stream, Task> call) in s_writeCalls)
        {
            using PageCache cache = QuietCaches.Create();
            var store = new MemoryBackingStore("ro", content, canWrite: false);
            using CachedFileStream stream = cache.Open(store, FileAccess.Read).AsStream();

            Exception? thrown = await Record.ExceptionAsync(() => call(stream));

            Assert.True(thrown is NotSupportedException, $"{row}: expected NotSupportedException, got {thrown?.GetType().Name ?? "nothing"}.");
            Assert.Equal(0, stream.Position);
            Assert.Equal(content, store.ToArray());
        }
    }

    [Fact]
    public void ReadWriteSeekAndSetLengthMatchAMemoryStream()
    {
        for (ulong seed = 1; seed <= 8; seed++)
        {
            var random = new SeededRandom(seed);
            using PageCache cache = QuietCaches.Create(frameCount: 16);
            using CachedFileStream stream = cache.Open(new MemoryBackingStore()).AsStream();
            var model = new MemoryStream();
            for (int step = 0; step < 500; step++)
            {
                string what = Step(random, stream, model, seed, step);
                Assert.True(model.Position == stream.Position, $"Seed {seed}, step {step} ({what}): position {stream.Position}, expected {model.Position}.");
                Assert.True(model.Length == stream.Length, $"Seed {seed}, step {step} ({what}): length {stream.Length}, expected {model.Length}.");
            }

            stream.Position = 0;
            var all = new MemoryStream();
            stream.CopyTo(all);
            Assert.True(model.ToArray().AsSpan().SequenceEqual(all.ToArray()), $"Seed {seed}: the final content differs from the model's.");
        }
    }

    [Fact]
    public void ReadReturnsZeroAtAndPastTheEnd()
    {
        using PageCache cache = QuietCaches.Create();
        using CachedFileStream stream = cache.Open(new MemoryBackingStore("f", BytePatterns.Create(10, 1))).AsStream();
        var buffer = new byte[16];

        Assert.Equal(10, stream.Read(buffer));
        Assert.Equal(0, stream.Read(buffer));
        Assert.Equal(-1, stream.ReadByte());
        stream.Position = 1_000;
        Assert.Equal(0, stream.Read(buffer, 0, buffer.Length));
        Assert.Equal(1_000, stream.Position);
    }

    [Fact]
    public async Task AReadEndingPastTheLargestOffsetThrowsAsFileStreamDoesAndOneEndingThereReturnsZero()
    {
        using PageCache cache = QuietCaches.Create();
        await using CachedFileStream stream = cache.Open(new MemoryBackingStore("f", new byte[10])).AsStream();
        stream.Position = long.MaxValue - 1;

        Assert.Throws<IOException>(() => stream.Read(new byte[100]));
        await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[100]).AsTask());
        Assert.Equal(long.MaxValue - 1, stream.Position);
        Assert.Equal(0, stream.Read(new byte[1]));
        Assert.Equal(0, stream.Read([]));
        Assert.Equal(long.MaxValue - 1, stream.Position);
    }

    [Fact]
    public void AReadOfNothingReturnsZeroAndAWriteOfNothingDoesNotExtend()
    {
        using PageCache cache = QuietCaches.Create();
        using CachedFileStream stream = cache.Open(new MemoryBackingStore("f", BytePatterns.Create(10, 1))).AsStream();

        Assert.Equal(0, stream.Read([]));
        stream.Position = 100;
        stream.Write([]);

        Assert.Equal(10, stream.Length);
        Assert.Equal(100, stream.Position);
    }

    [Fact]
    public void AWritePastTheEndLeavesAGapOfZeros()
    {
        using PageCache cache = QuietCaches.Create();
        using CachedFileStream stream = cache.Open(new MemoryBackingStore()).AsStream();

        stream.Seek(PageSize + 5, SeekOrigin.Begin);
        stream.WriteByte(0xAB);
        stream.Position = 0;
        var bytes = new byte[PageSize + 6];
        stream.ReadExactly(bytes);

        Assert.True(BytePatterns.AllZero(bytes.AsSpan(0, PageSize + 5)));
        Assert.Equal(0xAB, bytes[^1]);
        Assert.Equal(PageSize + 6, stream.Length);
    }

    [Fact]
    public void SeekFromEachOriginReturnsTheNewPosition()
    {
        using PageCache cache = QuietCaches.Create();
        using CachedFileStream stream = cache.Open(new MemoryBackingStore("f", new byte[100])).AsStream();

        Assert.Equal(10, stream.Seek(10, SeekOrigin.Begin));
        Assert.Equal(15, stream.Seek(5, SeekOrigin.Current));
        Assert.Equal(12, stream.Seek(-3, SeekOrigin.Current));
        Assert.Equal(90, stream.Seek(-10, SeekOrigin.End));
        Assert.Equal(150, stream.Seek(50, SeekOrigin.End));
        Assert.Equal(150, stream.Position);
    }

    [Fact]
    public void ASeekBeforeTheStartLeavesThePositionWhereItWas()
    {
        using PageCache cache = QuietCaches.Create();
        using CachedFileStream stream = cache.Open(new MemoryBackingStore("f", new byte[100])).AsStream();
        stream.Position = 40;

        Assert.Throws<IOException>(() => stream.Seek(-41, SeekOrigin.Current));
        Assert.Equal(40, stream.Position);
    }

    [Fact]
    public void SetLengthBelowThePositionMovesThePositionToTheNewEnd()
    {
        using PageCache cache = QuietCaches.Create();
        using CachedFileStream stream = cache.Open(new MemoryBackingStore("f", new byte[3 * PageSize])).AsStream();
        stream.Position = 2 * PageSize;

        stream.SetLength(PageSize);
        Assert.Equal(PageSize, stream.Position);

        stream.SetLength(4 * PageSize);
        Assert.Equal(PageSize, stream.Position);
        Assert.Equal(4 * PageSize, stream.Length);
    }

    [Fact]
    public void ReadExactlyThrowsEndOfStreamWhenTheFileIsShort()
    {
        using PageCache cache = QuietCaches.Create();
        using CachedFileStream stream = cache.Open(new MemoryBackingStore("f", BytePatterns.Create(PageSize, 2))).AsStream();
        stream.Position = PageSize - 10;

        Assert.Throws<EndOfStreamException>(() => stream.ReadExactly(new byte[11]));
    }

    [Fact]
    public async Task ReadExactlyAsyncReadsAcrossPages()
    {
        byte[] content = BytePatterns.Create(3 * PageSize, 4);
        using PageCache cache = QuietCaches.Create();
        await using CachedFileStream stream = cache.Open(new MemoryBackingStore("f", content)).AsStream();
        stream.Position = 100;
        var buffer = new byte[2 * PageSize];

        await stream.ReadExactlyAsync(buffer);

        Assert.Equal(content.AsSpan(100, 2 * PageSize).ToArray(), buffer);
        Assert.Equal(100 + (2 * PageSize), stream.Position);
    }

    [Fact]
    public void FlushMakesEverythingWrittenDurable()
    {
        using PageCache cache = QuietCaches.Create();
        var store = new MemoryBackingStore();
        using CachedFileStream stream = cache.Open(store).AsStream();
        byte[] content = BytePatterns.Create((2 * PageSize) + 7, 6);

        stream.Write(content);
        Assert.Empty(store.ToArray());
        stream.Flush();

        Assert.Equal(content, store.ToArray());
        Assert.Equal(1, store.FlushCount);
        Assert.Equal(0, cache.GetStatistics().NotDurablePages);
    }

    [Fact]
    public async Task FlushAsyncMakesEverythingWrittenDurable()
    {
        using PageCache cache = QuietCaches.Create();
        var store = new MemoryBackingStore();
        await using CachedFileStream stream = cache.Open(store).AsStream();
        byte[] content = BytePatterns.Create(PageSize + 1, 7);

        await stream.WriteAsync(content);
        await stream.FlushAsync();

        Assert.Equal(content, store.ToArray());
        Assert.Equal(1, store.FlushCount);
    }

    [Fact]
    public async Task CancelledCallsThrowAndChangeNothing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        using PageCache cache = QuietCaches.Create();
        var store = new MemoryBackingStore("f", BytePatterns.Create(100, 8));
        await using CachedFileStream stream = cache.Open(store).AsStream();
        stream.Position = 5;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadAsync(new byte[10], cancelled.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadAsync(new byte[10], 0, 10, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.WriteAsync(new byte[10], cancelled.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.WriteAsync(new byte[10], 0, 10, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.FlushAsync(cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.CopyToAsync(new MemoryStream(), cancelled.Token));

        Assert.Equal(5, stream.Position);
        Assert.Equal(0, cache.GetStatistics().DirtyPages);
        Assert.Equal(0, store.FlushCount);
    }

    [Fact]
    public void DisposingTheStreamDisposesTheHandleByDefault()
    {
        using PageCache cache = QuietCaches.Create();
        CachedFile file = cache.Open(new MemoryBackingStore());
        CachedFileStream stream = file.AsStream();

        stream.Dispose();
        stream.Dispose();

        Assert.False(stream.CanRead || stream.CanWrite || stream.CanSeek);
        Assert.Throws<ObjectDisposedException>(() => file.Length);
    }

    [Fact]
    public void DisposingAStreamCreatedWithLeaveOpenKeepsTheHandle()
    {
        using PageCache cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore());
        using (CachedFileStream stream = file.AsStream(leaveOpen: true))
        {
            stream.Write([1, 2, 3]);
        }

        Assert.Equal(3, file.Length);
        Assert.Same(file, file.AsStream(leaveOpen: true).File);
    }

    [Fact]
    public async Task DisposeAsyncFlushesTheLastHandleAndClosesIt()
    {
        using PageCache cache = QuietCaches.Create();
        var store = new MemoryBackingStore();
        CachedFile file = cache.Open(store);
        CachedFileStream stream = file.AsStream();
        await stream.WriteAsync(BytePatterns.Create(10, 9));

        await stream.DisposeAsync();
        await stream.DisposeAsync();

        Assert.Equal(BytePatterns.Create(10, 9), store.ToArray());
        Assert.Throws<ObjectDisposedException>(() => file.Length);
    }

    [Fact]
    public void AFailedFlushSurfacesFromFlushAndFromDisposeAndKeepsTheData()
    {
        using PageCache cache = QuietCaches.Create();
        var store = new FaultyStore("failing") { FailWritesWith = FaultyStore.EIO };
        CachedFileStream stream = cache.Open(store).AsStream();
        stream.Write(BytePatterns.Create(PageSize, 11));

        var flushError = Assert.Throws<WritebackFailedException>(stream.Flush);
        Assert.Equal("failing", flushError.FileName);
        Assert.Throws<WritebackFailedException>(stream.Dispose);

        Assert.False(stream.CanRead);
        Assert.Equal(1, cache.GetStatistics().DirtyPages);
        store.FailWritesWith = 0;
        Assert.Throws<WritebackFailedException>(cache.FlushAll); // writes the data, and reports the error epoch once (P3)
        cache.FlushAll();
        Assert.Equal(BytePatterns.Create(PageSize, 11), store.Durable);
    }

    [Fact]
    public void TwoStreamsOverOneHandleKeepTheirOwnPositions()
    {
        using PageCache cache = QuietCaches.Create();
        using CachedFile file = cache.Open(new MemoryBackingStore());
        using CachedFileStream writer = file.AsStream(leaveOpen: true);
        using CachedFileStream reader = file.AsStream(leaveOpen: true);

        writer.Write("hello"u8);
        var buffer = new byte[5];
        reader.ReadExactly(buffer);

        Assert.Equal("hello"u8.ToArray(), buffer);
        Assert.Equal(5, writer.Position);
        Assert.Equal(5, reader.Position);
    }

    [Fact]
    public void CopyToCopiesFromThePositionToTheEnd()
    {
        byte[] content = BytePatterns.Create((5 * PageSize) + 3, 10);
        using PageCache cache = QuietCaches.Create(frameCount: 8);
        using CachedFileStream stream = cache.Open(new MemoryBackingStore("f", content)).AsStream();
        stream.Position = 1_000;
        var destination = new MemoryStream();

        stream.CopyTo(destination, bufferSize: 3_000);

        Assert.Equal(content.AsSpan(1_000).ToArray(), destination.ToArray());
        Assert.Equal(content.Length, stream.Position);
    }

    /// <summary>One random operation applied to both streams; returns its description.</summary>
    private static string Step(SeededRandom random, Stream stream, MemoryStream model, ulong seed, int step)
    {
        const int MaxLength = 6 * PageSize;
        switch (random.Next(6))
        {
            case 0:
            case 1:
                byte[] data = BytePatterns.Create(random.Next(2 * PageSize), random.Next(1_000));
                if (stream.Position + data.Length > MaxLength)
                {
                    return "skipped write";
                }

                stream.Write(data);
                model.Write(data);
                return $"write {data.Length}";
            case 2:
                int count = random.Next(2 * PageSize);
                var actual = new byte[count];
                var expected = new byte[count];
                int read = stream.Read(actual);
                int modelRead = model.Read(expected);
                Assert.True(modelRead == read, $"Seed {seed}, step {step}: read {read} bytes, expected {modelRead}.");
                Assert.True(expected.AsSpan(0, read).SequenceEqual(actual.AsSpan(0, read)), $"Seed {seed}, step {step}: a read of {count} at {stream.Position - read} differs.");
                return $"read {count}";
            case 3:
                var origin = (SeekOrigin)random.Next(3);
                long basis = origin switch { SeekOrigin.Begin => 0, SeekOrigin.Current => model.Position, _ => model.Length };
                long offset = random.Next(-basis, MaxLength - basis);
                Assert.Equal(model.Seek(offset, origin), stream.Seek(offset, origin));
                return $"seek {offset} from {origin}";
            case 4:
                int length = random.Next(MaxLength);
                stream.SetLength(length);
                model.SetLength(length);
                return $"set length {length}";
            default:
                int position = random.Next(MaxLength);
                stream.Position = position;
                model.Position = position;
                return $"position {position}";
        }
    }

    private static void AssertDisposed(string row, Stream stream, Func<Stream, Task> call)
    {
        Exception? thrown = Record.Exception(() => call(stream).GetAwaiter().GetResult());
        Assert.True(thrown is ObjectDisposedException, $"{row}: expected ObjectDisposedException, got {thrown?.GetType().Name ?? "nothing"}.");
        Assert.False(stream.CanRead, $"{row}: CanRead is true after disposal.");
        Assert.False(stream.CanWrite, $"{row}: CanWrite is true after disposal.");
        Assert.False(stream.CanSeek, $"{row}: CanSeek is true after disposal.");
    }

    /// <summary>Runs a call whose result the row does not need (reads whose count is not checked).</summary>
    private static Task Returned(Func<int> call)
    {
        _ = call();
        return Task.CompletedTask;
    }

    private static Task Sync(Action call)
    {
        call();
        return Task.CompletedTask;
    }
}
