// Proves PageCache's public methods reject bad input up front (P11, RELIABILITY H9): null or
// empty paths and stores, unsupported or undefined modes and accesses, write access to a store
// that cannot write or to a file open read-only, and every call after Dispose. Each row asserts
// the exception type and parameter name, and that no file was created or opened; Dispose and
// DisposeAsync are idempotent.

using Quire.Tests.Infrastructure;

namespace Quire.Tests.Api;

public sealed class PageCacheArgumentTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void NullPathIsRejected()
    {
        using var cache = QuietCaches.Create();

        var error = Assert.Throws<ArgumentNullException>(() => cache.Open((string)null!));

        Assert.Equal("path", error.ParamName);
        Assert.Equal(0, cache.GetStatistics().OpenFiles);
    }

    [Fact]
    public void EmptyPathIsRejected()
    {
        using var cache = QuietCaches.Create();

        var error = Assert.Throws<ArgumentException>(() => cache.Open(string.Empty));

        Assert.Equal("path", error.ParamName);
    }

    [Theory]
    [InlineData(FileMode.Append, FileAccess.ReadWrite, "mode")]
    [InlineData((FileMode)0, FileAccess.ReadWrite, "mode")]
    [InlineData((FileMode)7, FileAccess.ReadWrite, "mode")]
    [InlineData((FileMode)(-1), FileAccess.Read, "mode")]
    [InlineData(FileMode.OpenOrCreate, FileAccess.Write, "access")]
    [InlineData(FileMode.OpenOrCreate, (FileAccess)0, "access")]
    [InlineData(FileMode.OpenOrCreate, (FileAccess)4, "access")]
    [InlineData(FileMode.Create, (FileAccess)(-1), "access")]
    public void UnsupportedModeOrAccessIsRejectedAndCreatesNoFile(FileMode mode, FileAccess access, string paramName)
    {
        using var cache = QuietCaches.Create();
        string path = _directory.File("never.bin");

        var error = Assert.Throws<ArgumentException>(() => cache.Open(path, mode, access));

        Assert.Equal(paramName, error.ParamName);
        Assert.False(File.Exists(path));
        Assert.Equal(0, cache.GetStatistics().OpenFiles);
    }

    [Fact]
    public void ResidentSetPathsAreCheckedUpFront()
    {
        using var cache = QuietCaches.Create();

        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => cache.SaveResidentSet(null!)).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => cache.SaveResidentSet(string.Empty)).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => { _ = cache.PrewarmAsync(null!); }).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => { _ = cache.PrewarmAsync(string.Empty); }).ParamName);
        Assert.Equal("ResidentSetPath", Assert.Throws<ArgumentException>(() => new PageCacheOptions { ResidentSetPath = " " }).ParamName);
        Assert.Equal("ResidentSetSaveInterval", Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { ResidentSetSaveInterval = TimeSpan.FromTicks(-1) }).ParamName);
        Assert.Equal("MaxPrewarmReadsPerSecond", Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { MaxPrewarmReadsPerSecond = 0 }).ParamName);
        Assert.Throws<DirectoryNotFoundException>(() => cache.SaveResidentSet(_directory.File("no/such/dir/set")));
    }

    [Fact]
    public void NullStoreIsRejected()
    {
        using var cache = QuietCaches.Create();

        var error = Assert.Throws<ArgumentNullException>(() => cache.Open((IBackingStore)null!));

        Assert.Equal("store", error.ParamName);
    }

    [Theory]
    [InlineData(FileAccess.Write)]
    [InlineData((FileAccess)0)]
    [InlineData((FileAccess)42)]
    public void UnsupportedAccessToAStoreIsRejected(FileAccess access)
    {
        using var cache = QuietCaches.Create();
        var store = new MemoryBackingStore();

        var error = Assert.Throws<ArgumentException>(() => cache.Open(store, access));

        Assert.Equal("access", error.ParamName);
        Assert.Equal(0, cache.GetStatistics().OpenFiles);
        Assert.Equal(0, store.GetLength()); // the cache did not take the store over and dispose it
    }

    [Fact]
    public void WriteAccessToAStoreThatCannotWriteIsRejected()
    {
        using var cache = QuietCaches.Create();
        var store = new MemoryBackingStore("ro", BytePatterns.Create(10, 1), canWrite: false);

        var error = Assert.Throws<ArgumentException>(() => cache.Open(store));

        Assert.Equal("access", error.ParamName);
        using CachedFile reader = cache.Open(store, FileAccess.Read);
        Assert.Equal(10, reader.Length);
    }

    [Fact]
    public void WriteAccessToAStoreOpenReadOnlyIsRejected()
    {
        using var cache = QuietCaches.Create();
        var store = new MemoryBackingStore("shared", BytePatterns.Create(10, 2));
        using CachedFile reader = cache.Open(store, FileAccess.Read);

        Assert.ThrowsAny<IOException>(() => cache.Open(store));

        Assert.Equal(1, cache.GetStatistics().OpenFiles);
        Assert.Throws<NotSupportedException>(() => reader.Write(0, [1]));
    }

    [Fact]
    public void EveryCallAfterDisposeThrowsObjectDisposedExceptionAndOpensNothing()
    {
        var cache = QuietCaches.Create();
        cache.Dispose();
        string path = _directory.File("after.bin");
        var store = new MemoryBackingStore("after", BytePatterns.Create(10, 3));

        Assert.Throws<ObjectDisposedException>(() => cache.Open(path));
        Assert.Throws<ObjectDisposedException>(() => cache.Open(store));
        Assert.Throws<ObjectDisposedException>(() => cache.GetStatistics());
        Assert.Throws<ObjectDisposedException>(cache.FlushAll);
        Assert.Throws<ObjectDisposedException>(() => cache.SaveResidentSet(_directory.File("set")));
        Assert.Throws<ObjectDisposedException>(() => { _ = cache.PrewarmAsync(_directory.File("set")); });

        Assert.False(File.Exists(path));
        Assert.Equal(10, store.GetLength());
        Assert.Equal(4096, cache.PageSize);
        Assert.NotNull(cache.Options);
    }

    [Fact]
    public async Task DisposingTheCacheTwiceOrAsynchronouslyIsANoOp()
    {
        var store = new MemoryBackingStore();
        var cache = QuietCaches.Create();
        CachedFile file = cache.Open(store);
        file.Write(0, [4, 5]);

        cache.Dispose();
        cache.Dispose();
        await cache.DisposeAsync();
        file.Dispose();
        file.Dispose();

        Assert.Equal(new byte[] { 4, 5 }, store.ToArray());
        Assert.Equal(1, store.FlushCount);
    }
}
