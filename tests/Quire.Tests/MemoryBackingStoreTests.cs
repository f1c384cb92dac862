// Proves the memory store behaves as the backing-store contract says: vectored reads short only
// at the end, writes that extend with zeros in the gap, a length cut that forgets the tail, call
// counters, read-only and disposed stores refusing with the .NET exceptions, and bad arguments
// rejected naming the parameter and leaving the content unchanged.

using Quire.Tests.Infrastructure;

namespace Quire.Tests;

public sealed class MemoryBackingStoreTests
{
    [Fact]
    public void NewStoreIsEmptyAndWritable()
    {
        using var store = new MemoryBackingStore();

        Assert.Equal("memory", store.Name);
        Assert.True(store.CanWrite);
        Assert.Equal(0, store.GetLength());
        Assert.Empty(store.ToArray());
        Assert.Equal((0L, 0L, 0L), (store.ReadCount, store.WriteCount, store.FlushCount));
    }

    [Fact]
    public void StoreHoldsACopyOfItsInitialContent()
    {
        byte[] content = BytePatterns.Create(1000, 1);
        using var store = new MemoryBackingStore("copy", content);
        content[0] = 0;

        Assert.Equal(1000, store.GetLength());
        Assert.Equal(BytePatterns.Create(1000, 1), store.ToArray());
    }

    [Fact]
    public void VectoredReadFillsBuffersInOrderAndIsShortOnlyAtTheEnd()
    {
        byte[] content = BytePatterns.Create(5000, 2);
        using var store = new MemoryBackingStore("read", content);
        var first = new byte[4096];
        var second = new byte[4096];

        int read = store.Read([first, second], 0);

        Assert.Equal(5000, read);
        Assert.Equal(content.AsSpan(0, 4096).ToArray(), first);
        Assert.Equal(content.AsSpan(4096, 904).ToArray(), second.AsSpan(0, 904).ToArray());
        Assert.Equal(1, store.ReadCount);
    }

    [Fact]
    public void ReadAtOrPastTheEndReturnsZero()
    {
        using var store = new MemoryBackingStore("end", new byte[10]);

        Assert.Equal(0, store.Read([new byte[8]], 10));
        Assert.Equal(0, store.Read([new byte[8]], 1_000_000));
    }

    [Fact]
    public async Task ReadAsyncReadsWhatReadReads()
    {
        byte[] content = BytePatterns.Create(3000, 3);
        using var store = new MemoryBackingStore("async", content);
        var buffer = new byte[2000];

        int read = await store.ReadAsync([buffer], 1500, CancellationToken.None);

        Assert.Equal(1500, read);
        Assert.Equal(content.AsSpan(1500).ToArray(), buffer.AsSpan(0, 1500).ToArray());
    }

    [Fact]
    public async Task ReadAsyncWithACancelledTokenIsCancelledAndReadsNothing()
    {
        using var store = new MemoryBackingStore("cancel", new byte[100]);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.ReadAsync([new byte[10]], 0, new CancellationToken(canceled: true)));

        Assert.Equal(0, store.ReadCount);
    }

    [Fact]
    public void WritePastTheEndExtendsWithZerosInTheGap()
    {
        using var store = new MemoryBackingStore("gap", BytePatterns.Create(10, 4));

        store.Write([new byte[] { 7, 8 }, new byte[] { 9 }], 100);

        byte[] bytes = store.ToArray();
        Assert.Equal(103, bytes.Length);
        Assert.Equal(BytePatterns.Create(10, 4), bytes[..10]);
        Assert.True(BytePatterns.AllZero(bytes.AsSpan(10, 90)));
        Assert.Equal(new byte[] { 7, 8, 9 }, bytes[100..]);
        Assert.Equal(1, store.WriteCount);
    }

    [Fact]
    public void ShrinkingThenGrowingReadsZerosWhereTheTailWas()
    {
        using var store = new MemoryBackingStore("cut", BytePatterns.Create(4096, 5));

        store.SetLength(100);
        store.SetLength(4096);

        byte[] bytes = store.ToArray();
        Assert.Equal(BytePatterns.Create(100, 5), bytes[..100]);
        Assert.True(BytePatterns.AllZero(bytes.AsSpan(100)));
    }

    [Fact]
    public void FlushIsCounted()
    {
        using var store = new MemoryBackingStore();

        store.Flush();
        store.Flush();

        Assert.Equal(2, store.FlushCount);
    }

    [Fact]
    public void ReadOnlyStoreRefusesWritesLengthChangesAndFlushes()
    {
        using var store = new MemoryBackingStore("ro", BytePatterns.Create(64, 6), canWrite: false);

        Assert.False(store.CanWrite);
        Assert.Throws<NotSupportedException>(() => store.Write([new byte[1]], 0));
        Assert.Throws<NotSupportedException>(() => store.SetLength(0));
        Assert.Throws<NotSupportedException>(store.Flush);
        Assert.Equal(BytePatterns.Create(64, 6), store.ToArray());
        Assert.Equal(1, store.Read([new byte[1]], 0));
    }

    [Fact]
    public async Task DisposedStoreRefusesEveryOperationButKeepsItsContentReadable()
    {
        var store = new MemoryBackingStore("gone", BytePatterns.Create(64, 7));
        store.Dispose();
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.GetLength());
        Assert.Throws<ObjectDisposedException>(() => store.SetLength(1));
        Assert.Throws<ObjectDisposedException>(() => store.Read([new byte[1]], 0));
        Assert.Throws<ObjectDisposedException>(() => store.Write([new byte[1]], 0));
        Assert.Throws<ObjectDisposedException>(store.Flush);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ReadAsync([new byte[1]], 0, CancellationToken.None));
        Assert.Equal(BytePatterns.Create(64, 7), store.ToArray());
    }

    [Fact]
    public void NullNameIsRefused()
    {
        var error = Assert.Throws<ArgumentNullException>(() => new MemoryBackingStore(null!));

        Assert.Equal("name", error.ParamName);
    }

    [Fact]
    public void NullBuffersAreRefused()
    {
        using var store = new MemoryBackingStore("null", BytePatterns.Create(16, 8));

        Assert.Equal("buffers", Assert.Throws<ArgumentNullException>(() => store.Read(null!, 0)).ParamName);
        Assert.Equal("buffers", Assert.Throws<ArgumentNullException>(() => store.Write(null!, 0)).ParamName);
        Assert.Equal(BytePatterns.Create(16, 8), store.ToArray());
    }

    [Fact]
    public void NegativeOffsetsAndLengthsAreRefusedAndChangeNothing()
    {
        using var store = new MemoryBackingStore("neg", BytePatterns.Create(16, 9));

        Assert.Equal("fileOffset", Assert.Throws<ArgumentOutOfRangeException>(() => store.Read([new byte[1]], -1)).ParamName);
        Assert.Equal("fileOffset", Assert.Throws<ArgumentOutOfRangeException>(() => store.Write([new byte[1]], -1)).ParamName);
        Assert.Equal("byteCount", Assert.Throws<ArgumentOutOfRangeException>(() => store.SetLength(-1)).ParamName);
        Assert.Equal("byteCount", Assert.Throws<ArgumentOutOfRangeException>(() => store.SetLength((long)Array.MaxLength + 1)).ParamName);
        Assert.Equal(BytePatterns.Create(16, 9), store.ToArray());
        Assert.Equal(0, store.WriteCount);
    }

    [Fact]
    public void WriteBeyondTheLargestArrayFailsAsFileTooLargeAndChangesNothing()
    {
        using var store = new MemoryBackingStore("big", BytePatterns.Create(16, 10));

        var error = Assert.Throws<IOException>(() => store.Write([new byte[1]], Array.MaxLength));

        Assert.Equal(27, error.HResult); // EFBIG
        Assert.Equal(BytePatterns.Create(16, 10), store.ToArray());
    }
}
