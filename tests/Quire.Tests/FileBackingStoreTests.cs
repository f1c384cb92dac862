// Proves the file store round-trips bytes through real files in a temporary directory on ext4,
// buffered and with O_DIRECT (which ext4 accepts, so IsDirectIO is true there), through the
// cache too; that its locking refuses a second writer; and that bad arguments, read-only
// stores and disposed stores are refused with the .NET exceptions, changing nothing on disk.

using System.Runtime.InteropServices;
using Quire.Tests.Infrastructure;

namespace Quire.Tests;

public sealed class FileBackingStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void BufferedStoreRoundTripsAndReportsItsLength()
    {
        string path = _directory.File("buffered.bin");
        byte[] data = BytePatterns.Create(10_000, 1);
        using (var store = FileBackingStore.Open(path, FileMode.CreateNew, FileAccess.ReadWrite, directIO: false))
        {
            Assert.False(store.IsDirectIO);
            Assert.True(store.CanWrite);
            Assert.Equal(Path.GetFullPath(path), store.Name);

            store.Write([data.AsMemory(0, 4096), data.AsMemory(4096)], 0);
            store.Flush();

            Assert.Equal(10_000, store.GetLength());
            var back = new byte[12_000];
            Assert.Equal(10_000, store.Read([back.AsMemory(0, 5000), back.AsMemory(5000)], 0));
            Assert.Equal(data, back[..10_000]);
        }

        Assert.Equal(data, File.ReadAllBytes(path));
    }

    [Fact]
    public void DirectStoreOnExt4IsDirectAndRoundTripsAlignedAndUnalignedTransfers()
    {
        string path = _directory.File("direct.bin");
        byte[] data = BytePatterns.Create(3 * 4096, 2);
        using (var store = FileBackingStore.Open(path, FileMode.CreateNew, FileAccess.ReadWrite, directIO: true))
        {
            Assert.True(store.IsDirectIO);
            using var aligned = new AlignedBuffer(3 * 4096);
            data.CopyTo(aligned.Memory.Span);

            store.Write([aligned.Memory[..4096], aligned.Memory[4096..]], 0);
            store.Write([data.AsMemory(0, 100)], 3 * 4096); // unaligned: goes buffered
            store.Flush();

            aligned.Memory.Span.Clear();
            Assert.Equal(3 * 4096, store.Read([aligned.Memory], 0));
            Assert.Equal(data, aligned.Memory.ToArray());
            var tail = new byte[100];
            Assert.Equal(100, store.Read([tail], 3 * 4096));
            Assert.Equal(data[..100], tail);
        }

        Assert.Equal([.. data, .. data[..100]], File.ReadAllBytes(path));
    }

    [Fact]
    public void DirectStoreReadsIntoBuffersWhoseMemoryIsNotAligned()
    {
        string path = _directory.File("unaligned.bin");
        byte[] data = BytePatterns.Create(4096, 3);
        File.WriteAllBytes(path, data);
        using var store = FileBackingStore.Open(path, FileMode.Open, FileAccess.ReadWrite, directIO: true);
        var backing = new byte[4096 + 1];
        Memory<byte> unaligned = backing.AsMemory(1, 4096);

        Assert.Equal(4096, store.Read([unaligned], 0));

        Assert.Equal(data, unaligned.ToArray());
    }

    [Fact]
    public async Task DirectStoreReadsAsynchronouslyIntoBuffersWhoseMemoryIsNotAligned()
    {
        // The synchronous read falls back to the buffered descriptor when O_DIRECT refuses the
        // transfer (EINVAL); the asynchronous read must honour the same contract.
        string path = _directory.File("unaligned-async.bin");
        byte[] data = BytePatterns.Create(4096, 4);
        File.WriteAllBytes(path, data);
        using var store = FileBackingStore.Open(path, FileMode.Open, FileAccess.ReadWrite, directIO: true);
        var backing = new byte[4096 + 1];
        Memory<byte> unaligned = backing.AsMemory(1, 4096);

        int read = await store.ReadAsync([unaligned], 0, CancellationToken.None);

        Assert.Equal(4096, read);
        Assert.Equal(data, unaligned.ToArray());
    }

    [Fact]
    public void DirectStoreWritesFromBuffersWhoseMemoryIsNotAligned()
    {
        string path = _directory.File("unaligned-write.bin");
        byte[] data = BytePatterns.Create(4096, 11);
        using (var store = FileBackingStore.Open(path, FileMode.CreateNew, FileAccess.ReadWrite, directIO: true))
        {
            var backing = new byte[4096 + 1];
            data.CopyTo(backing, 1);

            store.Write([backing.AsMemory(1, 4096)], 0);
            store.Flush();
        }

        Assert.Equal(data, File.ReadAllBytes(path));
    }

    [Fact]
    public void DirectStoreReadOfTheLastPartialPageReturnsTheBytesUpToTheEnd()
    {
        string path = _directory.File("tail.bin");
        byte[] data = BytePatterns.Create(5000, 12);
        File.WriteAllBytes(path, data);
        using var store = FileBackingStore.Open(path, FileMode.Open, FileAccess.Read, directIO: true);
        using var aligned = new AlignedBuffer(2 * 4096);

        int read = store.Read([aligned.Memory[..4096], aligned.Memory[4096..]], 0);

        Assert.Equal(5000, read);
        Assert.Equal(data, aligned.Memory[..5000].ToArray());
    }

    [Fact]
    public async Task DirectStoreAsynchronousReadOfTheLastPartialPageReturnsTheBytesUpToTheEnd()
    {
        // The read stops short at end of file; the store goes on at an unaligned offset, which
        // O_DIRECT refuses. The synchronous read falls back to buffered there; so must this one.
        string path = _directory.File("tail-async.bin");
        byte[] data = BytePatterns.Create(5000, 13);
        File.WriteAllBytes(path, data);
        using var store = FileBackingStore.Open(path, FileMode.Open, FileAccess.Read, directIO: true);
        using var aligned = new AlignedBuffer(2 * 4096);

        int read = await store.ReadAsync([aligned.Memory[..4096], aligned.Memory[4096..]], 0, CancellationToken.None);

        Assert.Equal(5000, read);
        Assert.Equal(data, aligned.Memory[..5000].ToArray());
    }

    [Fact]
    public async Task CacheWithDirectIOReadsTheLastPartialPageAsynchronously()
    {
        string path = _directory.File("cache-tail.bin");
        byte[] data = BytePatterns.Create((2 * 4096) + 300, 14);
        File.WriteAllBytes(path, data);
        var options = new PageCacheOptions { MemoryLimitBytes = 16 * 4096, UseDirectIO = true, StartPageWriter = false };
        using var cache = new PageCache(options);
        using CachedFile file = cache.Open(path, FileMode.Open, FileAccess.Read);
        var back = new byte[data.Length + 100];

        int read = await file.ReadAsync(0, back);

        Assert.Equal(data.Length, read);
        Assert.Equal(data, back[..data.Length]);
    }

    [Fact]
    public void CacheWithDirectIORoundTripsThroughRealFiles()
    {
        string path = _directory.File("cache-direct.bin");
        byte[] data = BytePatterns.Create((5 * 4096) + 1234, 5);
        var options = new PageCacheOptions { MemoryLimitBytes = 16 * 4096, UseDirectIO = true };
        using (var cache = new PageCache(options))
        using (CachedFile file = cache.Open(path))
        {
            file.Write(0, data);
            file.Flush();
        }

        Assert.Equal(data, File.ReadAllBytes(path));
        using (var cache = new PageCache(options))
        using (CachedFile file = cache.Open(path, FileMode.Open))
        {
            var back = new byte[data.Length + 10];
            Assert.Equal(data.Length, file.Read(0, back));
            Assert.Equal(data, back[..data.Length]);
        }
    }

    [Fact]
    public async Task ReadAsyncReadsWhatWasWritten()
    {
        string path = _directory.File("async.bin");
        byte[] data = BytePatterns.Create(6000, 6);
        File.WriteAllBytes(path, data);
        using var store = FileBackingStore.Open(path, FileMode.Open, FileAccess.Read, directIO: false);
        var back = new byte[8192];

        int read = await store.ReadAsync([back.AsMemory(0, 4096), back.AsMemory(4096)], 0, CancellationToken.None);

        Assert.Equal(6000, read);
        Assert.Equal(data, back[..6000]);
    }

    [Fact]
    public void SetLengthCutsAndExtendsWithZeros()
    {
        string path = _directory.File("length.bin");
        File.WriteAllBytes(path, BytePatterns.Create(4096, 7));
        using (var store = FileBackingStore.Open(path, FileMode.Open, FileAccess.ReadWrite, directIO: false))
        {
            store.SetLength(100);
            store.SetLength(5000);
            Assert.Equal(5000, store.GetLength());
        }

        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(BytePatterns.Create(100, 7), bytes[..100]);
        Assert.True(BytePatterns.AllZero(bytes.AsSpan(100)));
    }

    [Fact]
    public void ReadOnlyStoreRefusesWritesLengthChangesAndFlushesAndLeavesTheFile()
    {
        string path = _directory.File("ro.bin");
        File.WriteAllBytes(path, BytePatterns.Create(512, 8));
        using (var store = FileBackingStore.Open(path, FileMode.Open, FileAccess.Read, directIO: true))
        {
            Assert.False(store.CanWrite);
            Assert.Throws<NotSupportedException>(() => store.Write([new byte[1]], 0));
            Assert.Throws<NotSupportedException>(() => store.SetLength(0));
            Assert.Throws<NotSupportedException>(store.Flush);
        }

        Assert.Equal(BytePatterns.Create(512, 8), File.ReadAllBytes(path));
    }

    [Fact]
    public void SecondWriterOfOneFileIsRefused()
    {
        string path = _directory.File("locked.bin");
        using var first = FileBackingStore.Open(path, FileMode.Create, FileAccess.ReadWrite, directIO: false);

        Assert.ThrowsAny<IOException>(() => FileBackingStore.Open(path, FileMode.Open, FileAccess.ReadWrite, directIO: false));
    }

    [Fact]
    public void MissingFileOpenedWithOpenModeIsNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => FileBackingStore.Open(_directory.File("missing.bin"), FileMode.Open, FileAccess.Read, directIO: false));
        Assert.False(File.Exists(_directory.File("missing.bin")));
    }

    [Fact]
    public void CreateNewOfAnExistingFileIsRefusedAndKeepsIt()
    {
        string path = _directory.File("exists.bin");
        File.WriteAllBytes(path, BytePatterns.Create(10, 9));

        Assert.ThrowsAny<IOException>(() => FileBackingStore.Open(path, FileMode.CreateNew, FileAccess.ReadWrite, directIO: false));

        Assert.Equal(BytePatterns.Create(10, 9), File.ReadAllBytes(path));
    }

    [Fact]
    public void NullOrEmptyPathIsRefused()
    {
        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => FileBackingStore.Open(null!, FileMode.Open, FileAccess.Read, false)).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => FileBackingStore.Open(string.Empty, FileMode.Open, FileAccess.Read, false)).ParamName);
    }

    [Theory]
    [InlineData(FileMode.Append, FileAccess.ReadWrite, "mode")]
    [InlineData((FileMode)0, FileAccess.ReadWrite, "mode")]
    [InlineData((FileMode)99, FileAccess.ReadWrite, "mode")]
    [InlineData(FileMode.OpenOrCreate, FileAccess.Write, "access")]
    [InlineData(FileMode.OpenOrCreate, (FileAccess)0, "access")]
    [InlineData(FileMode.OpenOrCreate, (FileAccess)8, "access")]
    public void UnsupportedModeOrAccessIsRefusedAndCreatesNothing(FileMode mode, FileAccess access, string paramName)
    {
        string path = _directory.File("never.bin");

        var error = Assert.Throws<ArgumentException>(() => FileBackingStore.Open(path, mode, access, false));

        Assert.Equal(paramName, error.ParamName);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task NullBuffersAreRefused()
    {
        string path = _directory.File("null.bin");
        using var store = FileBackingStore.Open(path, FileMode.Create, FileAccess.ReadWrite, false);

        Assert.Equal("buffers", Assert.Throws<ArgumentNullException>(() => store.Read(null!, 0)).ParamName);
        Assert.Equal("buffers", Assert.Throws<ArgumentNullException>(() => store.Write(null!, 0)).ParamName);
        Assert.Equal("buffers", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.ReadAsync(null!, 0, CancellationToken.None))).ParamName);
        Assert.Equal(0, store.GetLength());
    }

    [Fact]
    public void NegativeOffsetsAreRefusedAndChangeNothing()
    {
        string path = _directory.File("negative.bin");
        File.WriteAllBytes(path, BytePatterns.Create(16, 10));
        using (var store = FileBackingStore.Open(path, FileMode.Open, FileAccess.ReadWrite, false))
        {
            Assert.Equal("fileOffset", Assert.Throws<ArgumentOutOfRangeException>(() => store.Read([new byte[1]], -1)).ParamName);
            Assert.Equal("fileOffset", Assert.Throws<ArgumentOutOfRangeException>(() => store.Write([new byte[1]], -1)).ParamName);
            Assert.ThrowsAny<ArgumentOutOfRangeException>(() => store.SetLength(-1));
        }

        Assert.Equal(BytePatterns.Create(16, 10), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task ReadAsyncWithACancelledTokenIsCancelled()
    {
        string path = _directory.File("cancel.bin");
        File.WriteAllBytes(path, new byte[100]);
        using var store = FileBackingStore.Open(path, FileMode.Open, FileAccess.Read, false);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.ReadAsync([new byte[10]], 0, new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task DisposedStoreRefusesEveryOperation()
    {
        string path = _directory.File("disposed.bin");
        var store = FileBackingStore.Open(path, FileMode.Create, FileAccess.ReadWrite, directIO: true);
        store.Dispose();
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.GetLength());
        Assert.Throws<ObjectDisposedException>(() => store.SetLength(10));
        Assert.Throws<ObjectDisposedException>(() => store.Read([new byte[1]], 0));
        Assert.Throws<ObjectDisposedException>(() => store.Write([new byte[1]], 0));
        Assert.Throws<ObjectDisposedException>(store.Flush);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ReadAsync([new byte[1]], 0, CancellationToken.None));
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Theory]
    [InlineData(FileMode.CreateNew)]
    [InlineData(FileMode.Create)]
    [InlineData(FileMode.OpenOrCreate)]
    public void AStoreThatCreatedItsFileHasANameNotDurableUntilItsFirstFlush(FileMode mode)
    {
        string path = _directory.File("new.bin");
        using var store = FileBackingStore.Open(path, mode, FileAccess.ReadWrite, directIO: false);
        Assert.False(store.IsNameDurable);

        store.Write([BytePatterns.Create(512, 1)], 0);
        store.Flush(); // the real fsync of the directory

        Assert.True(store.IsNameDurable);
    }

    [Theory]
    [InlineData(FileMode.Open)]
    [InlineData(FileMode.Create)]
    [InlineData(FileMode.OpenOrCreate)]
    [InlineData(FileMode.Truncate)]
    public void AStoreOfAnExistingFileHasADurableName(FileMode mode)
    {
        string path = _directory.File("old.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        using var store = FileBackingStore.Open(path, mode, FileAccess.ReadWrite, directIO: false);

        Assert.True(store.IsNameDurable);
        Assert.Equal(mode is FileMode.Create or FileMode.Truncate ? 0 : 3, store.GetLength());
    }

    [Fact]
    public void AFlushThatCannotSyncTheDirectoryFailsAndTheNextOneSyncsIt()
    {
        // A real failure: the directory the file was created in is renamed away before the first
        // flush, so its path names nothing (ENOENT); renamed back, the next flush syncs it.
        string directory = Directory.CreateDirectory(_directory.File("d")).FullName;
        string moved = _directory.File("d-moved");
        using var store = FileBackingStore.Open(Path.Combine(directory, "f.bin"), FileMode.CreateNew, FileAccess.ReadWrite, directIO: false);
        store.Write([BytePatterns.Create(512, 2)], 0);
        Directory.Move(directory, moved);

        IOException error = Assert.Throws<IOException>(store.Flush);
        Assert.Equal(2, error.HResult); // ENOENT
        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
        Assert.False(store.IsNameDurable);

        Directory.Move(moved, directory);
        store.Flush();
        Assert.True(store.IsNameDurable);
    }

    /// <summary>Native memory aligned to 4096 bytes, as the cache's frames are, for O_DIRECT transfers.</summary>
    private sealed unsafe class AlignedBuffer : System.Buffers.MemoryManager<byte>
    {
        private readonly byte* _pointer;
        private readonly int _length;

        public AlignedBuffer(int length)
        {
            _length = length;
            _pointer = (byte*)NativeMemory.AlignedAlloc((nuint)length, 4096);
        }

        public override Span<byte> GetSpan() => new(_pointer, _length);

        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing) => NativeMemory.AlignedFree(_pointer);
    }
}
