// One file opened through a quiet cache, over a MemoryBackingStore or a real file, so that a
// test of cache behaviour runs unchanged over both and can read what reached the store.

namespace Quire.Tests.Infrastructure;

public sealed class CacheTarget : IDisposable
{
    private readonly List<CachedFile> _handles = [];
    private readonly TempDirectory? _directory;
    private readonly string? _path;
    private readonly MemoryBackingStore? _store;
    private bool _closed;

    private CacheTarget(PageCacheOptions options, CacheBacking backing, ReadOnlySpan<byte> initialContent)
    {
        Backing = backing;
        Cache = new PageCache(options);
        if (backing == CacheBacking.Memory)
        {
            _store = new MemoryBackingStore("target", initialContent);
        }
        else
        {
            _directory = new TempDirectory();
            _path = _directory.File("target.bin");
            System.IO.File.WriteAllBytes(_path, initialContent.ToArray());
        }

        File = OpenHandle();
    }

    public CacheBacking Backing { get; }

    public PageCache Cache { get; }

    /// <summary>The first handle.</summary>
    public CachedFile File { get; }

    /// <summary>The memory store, when the target is backed by one.</summary>
    public MemoryBackingStore? Store => _store;

    /// <summary>The file's path, when the target is a real file.</summary>
    public string? Path => _path;

    public static CacheTarget Open(CacheBacking backing, PageCacheOptions? options = null, ReadOnlySpan<byte> initialContent = default) =>
        new(options ?? QuietCaches.Options(), backing, initialContent);

    /// <summary>Opens another handle to the same file through the same cache.</summary>
    public CachedFile OpenHandle(FileAccess access = FileAccess.ReadWrite)
    {
        CachedFile handle = _store is not null ? Cache.Open(_store, access) : Cache.Open(_path!, FileMode.Open, access);
        _handles.Add(handle);
        return handle;
    }

    /// <summary>The whole file as the cache reads it.</summary>
    public byte[] ReadAll()
    {
        var bytes = new byte[File.Length];
        Assert.Equal(bytes.Length, File.Read(0, bytes));
        return bytes;
    }

    /// <summary>The bytes the store holds: the memory store's content, or the file's on disk read past the cache's lock.</summary>
    public byte[] StoredBytes() => _store is not null ? _store.ToArray() : RawFile.ReadAllBytes(_path!);

    public void Dispose()
    {
        Close();
        _directory?.Dispose();
    }

    private void Close()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        foreach (CachedFile handle in _handles)
        {
            handle.Dispose();
        }

        Cache.Dispose();
    }
}
