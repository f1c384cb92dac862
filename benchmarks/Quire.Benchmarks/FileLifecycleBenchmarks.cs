// FileLifecycleBenchmarks: what opening and closing a file costs once the cache keeps it (issue
// targets: an open and close of a cached file at most 2x a FileStream's; reopening a recently
// closed 64 MiB file and reading it at least 0.9x the read rate of a file kept open). Open/close:
// a FileStream opened and disposed (the baseline) against a Quire handle opened by path and
// disposed, read-only and for writing (with nothing written, the last close syncs nothing), on a
// file whose pages the cache keeps between rounds; each opens a 4 KiB file that is resident.
// Reopen: reading 64 MiB through a handle opened for the read and closed after it, against the
// same read through a handle kept open, the file resident in a pool that holds it.

using BenchmarkDotNet.Attributes;

namespace Quire.Benchmarks;

[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public class FileOpenCloseBenchmarks
{
    private const long FileBytes = 4096;

    private string _path = "";
    private PageCache? _cache;

    [GlobalSetup]
    public void SetUp()
    {
        _path = ScratchFiles.GetOrCreate("data-4KiB.bin", FileBytes);
        _cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 16L << 20 });
        using CachedFile file = _cache.Open(_path, FileMode.Open, FileAccess.Read);
        file.Read(0, new byte[FileBytes]); // resident, and kept once closed
    }

    [Benchmark(Baseline = true)]
    public long FileStreamOpenClose()
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        return stream.Length;
    }

    [Benchmark]
    public long QuireOpenClose()
    {
        using CachedFile file = _cache!.Open(_path, FileMode.Open, FileAccess.Read);
        return file.Length;
    }

    [Benchmark]
    public long FileStreamOpenCloseForWriting()
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        return stream.Length;
    }

    [Benchmark]
    public long QuireOpenCloseForWriting()
    {
        using CachedFile file = _cache!.Open(_path, FileMode.Open, FileAccess.ReadWrite);
        return file.Length;
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _cache?.Dispose();
        _cache = null;
    }
}

[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public class FileReopenBenchmarks
{
    private const long FileBytes = 64L << 20;
    private const int ChunkBytes = 1 << 20;

    private readonly byte[] _chunk = new byte[ChunkBytes];
    private WarmCache? _keptOpen;
    private WarmCache? _closed; // its handle closed once loaded: the cache keeps the file's pages, not its descriptor
    private string _path = "";

    [GlobalSetup]
    public void SetUp()
    {
        _path = ScratchFiles.GetOrCreate("data-64MiB.bin", FileBytes);
        _keptOpen = WarmCache.Load(_path, FileAccess.Read);
        _closed = WarmCache.Load(_path, FileAccess.Read);
        _closed.File.Dispose();
    }

    [Benchmark(Baseline = true)]
    public long ReadKeptOpen() => ReadAll(_keptOpen!.File);

    [Benchmark]
    public long ReopenAndRead()
    {
        using CachedFile file = _closed!.Cache.Open(_path, FileMode.Open, FileAccess.Read);
        return ReadAll(file);
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _keptOpen?.Dispose();
        _closed?.Dispose();
        _keptOpen = null;
        _closed = null;
    }

    private long ReadAll(CachedFile file)
    {
        long total = 0;
        for (long offset = 0; offset < FileBytes; offset += ChunkBytes)
        {
            total += file.Read(offset, _chunk);
        }

        return total;
    }
}
