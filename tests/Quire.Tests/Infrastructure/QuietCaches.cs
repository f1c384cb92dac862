// Caches for unit tests: a given number of 4 KiB frames and no page writer thread, so that
// every store call and every counter the tests check is caused by the test itself.

using Quire.Internal;

namespace Quire.Tests.Infrastructure;

public static class QuietCaches
{
    public const int PageSize = 4096;

    /// <summary>Options for a cache of <paramref name="frameCount"/> frames without a page writer thread.</summary>
    public static PageCacheOptions Options(
        int frameCount = 64,
        TimeSpan? maxFrameWait = null,
        TimeSpan? maxPageWait = null,
        int maxClusterBytes = 1 << 20,
        int maxReadAheadBytes = 1 << 20) => new()
        {
            MemoryLimitBytes = (long)frameCount * PageSize,
            MaxFrameWait = maxFrameWait ?? TimeSpan.FromSeconds(30),
            MaxPageWait = maxPageWait ?? TimeSpan.FromSeconds(30),
            MaxClusterBytes = maxClusterBytes,
            MaxReadAheadBytes = maxReadAheadBytes,
            StartPageWriter = false,
        };

    /// <summary>A cache of <paramref name="frameCount"/> frames without a page writer thread.</summary>
    public static PageCache Create(
        int frameCount = 64,
        TimeSpan? maxFrameWait = null,
        TimeSpan? maxPageWait = null,
        int maxClusterBytes = 1 << 20,
        int maxReadAheadBytes = 1 << 20) =>
        new(Options(frameCount, maxFrameWait, maxPageWait, maxClusterBytes, maxReadAheadBytes));

    /// <summary>A cache as <see cref="Create(int, TimeSpan?, TimeSpan?, int, int)"/> makes by default, with <paramref name="plantedBugs"/> planted (the canary tests).</summary>
    internal static PageCache Create(PlantedBugs plantedBugs)
    {
        PageCacheOptions options = Options();
        return new(new PageCacheOptions
        {
            MemoryLimitBytes = options.MemoryLimitBytes,
            MaxFrameWait = options.MaxFrameWait,
            MaxPageWait = options.MaxPageWait,
            MaxClusterBytes = options.MaxClusterBytes,
            MaxReadAheadBytes = options.MaxReadAheadBytes,
            StartPageWriter = false,
            PlantedBugs = plantedBugs,
        });
    }
}
