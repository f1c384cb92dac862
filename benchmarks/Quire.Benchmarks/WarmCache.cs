// WarmCache: a Quire cache sized to hold one scratch file with every page resident, for the hit
// benchmarks. The pool is the file plus room for the free-frame reserve (1/64 of the pool) and a
// read-ahead cluster, so loading it evicts nothing; a second pass that must not miss proves the
// file resident before anything is measured.
//
// Locking: one owner; the benchmark that created it disposes it.

namespace Quire.Benchmarks;

internal sealed class WarmCache : IDisposable
{
    private const int LoadChunkBytes = 1 << 20; // 1 MiB reads: one read-ahead cluster each

    private WarmCache(PageCache cache, CachedFile file)
    {
        Cache = cache;
        File = file;
    }

    public PageCache Cache { get; }

    public CachedFile File { get; }

    /// <summary>
    /// Opens <paramref name="path"/> through a new cache and reads every page into it. The pool is
    /// <paramref name="memoryLimitBytes"/>, or by default just large enough to hold the file.
    /// </summary>
    /// <exception cref="InvalidOperationException">A page was not resident after loading.</exception>
    public static WarmCache Load(string path, FileAccess access, long memoryLimitBytes = 0)
    {
        long fileBytes = new FileInfo(path).Length;
        var cache = new PageCache(new PageCacheOptions
        {
            // The file, 1/32 more for the reserve (1/64 of the pool) and 4 MiB for read-ahead clusters.
            MemoryLimitBytes = Math.Max(memoryLimitBytes, fileBytes + (fileBytes / 32) + (4L << 20)),
        });
        CachedFile file = cache.Open(path, FileMode.Open, access);
        var warm = new WarmCache(cache, file);
        byte[] chunk = new byte[LoadChunkBytes];
        for (long offset = 0; offset < fileBytes; offset += chunk.Length)
        {
            file.Read(offset, chunk);
        }

        PageCacheStatistics before = cache.GetStatistics();
        for (long offset = 0; offset < fileBytes; offset += chunk.Length)
        {
            file.Read(offset, chunk);
        }

        long misses = cache.GetStatistics().Misses - before.Misses;
        if (misses != 0)
        {
            warm.Dispose();
            throw new InvalidOperationException($"{misses} pages of '{path}' missed on the second pass: the cache does not hold the file, so a hit benchmark would measure misses.");
        }

        return warm;
    }

    public void Dispose()
    {
        File.Dispose();
        Cache.Dispose();
    }
}
