// ScanResistance: not a timing. Measures how well the cache keeps a hot set while a large scan
// streams through it: a hot file of a quarter of the pool is read at random (one 4 KiB read per
// four scanned pages) while a scan reads a file 10 times the pool once, front to back. The hot
// set's hit ratio comes from PageCacheStatistics deltas taken around each burst of hot reads
// (one thread does both, so the deltas are the hot reads' alone). Target: at least 95%.
//
// For scale: with one hot read per four scanned pages, a hot page is read again after about
// 16,384 scanned pages on average, as many as the pool has frames, so recency alone would not
// keep the hot set: the cache must tell pages used again from pages used once.
// Run: Quire.Benchmarks scan-resistance [--out <file.json>].

using System.Text.Json;

namespace Quire.Benchmarks;

internal static class ScanResistance
{
    public const string FileName = "scan-resistance.json";

    private const int PageBytes = 4096;
    private const long PoolBytes = 64L << 20; // 16,384 frames
    private const long HotBytes = PoolBytes / 4; // the hot set: 25% of the pool
    private const long ScanBytes = PoolBytes * 10; // the scan: 10 times the pool
    private const int StepBytes = 1 << 20; // hot reads are interleaved after every MiB scanned
    private const int HotReadsPerStep = StepBytes / PageBytes / 4; // one hot read per four scanned pages

    /// <summary>Runs the measurement for each scan read size and writes the results; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        string output = args.Length == 2 && args[0] == "--out"
            ? args[1]
            : Path.Combine(CounterLog.ResultsDirectory, FileName);
        string hotPath = ScratchFiles.GetOrCreate("scan-hot-16MiB.bin", HotBytes);
        string scanPath = ScratchFiles.GetOrCreate("scan-640MiB.bin", ScanBytes);
        var results = new List<ScanResistanceResult>();
        // The last case turns the scan's read-ahead off: it tells whether what the scan does to the
        // hot set comes from pages read ahead and then used once.
        foreach ((int scanReadBytes, FileAdvice scanAdvice) in (ReadOnlySpan<(int, FileAdvice)>)[(PageBytes, FileAdvice.Normal), (StepBytes, FileAdvice.Normal), (PageBytes, FileAdvice.Random)])
        {
            ScanResistanceResult result = Measure(hotPath, scanPath, scanReadBytes, scanAdvice);
            Console.WriteLine(result);
            results.Add(result);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, JsonSerializer.Serialize(results));
        return 0;
    }

    private static ScanResistanceResult Measure(string hotPath, string scanPath, int scanReadBytes, FileAdvice scanAdvice)
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = PoolBytes, UseDirectIO = true });
        using CachedFile hot = cache.Open(hotPath, FileMode.Open, FileAccess.Read);
        using CachedFile scan = cache.Open(scanPath, FileMode.Open, FileAccess.Read);

        // The hot reader reads at random: no read-ahead, so each miss is exactly one page.
        hot.Advise(0, HotBytes, FileAdvice.Random);
        scan.Advise(0, ScanBytes, scanAdvice);
        byte[] hotBuffer = new byte[PageBytes];
        byte[] scanBuffer = new byte[scanReadBytes];
        long hotPages = HotBytes / PageBytes;

        // 1. Warm the hot set: every page read twice, so it has been used again since it came in.
        for (int pass = 0; pass < 2; pass++)
        {
            for (long page = 0; page < hotPages; page++)
            {
                hot.Read(page * PageBytes, hotBuffer);
            }
        }

        // 2. Scan once, front to back; after every MiB, a burst of hot reads at seeded random pages,
        //    counted by the statistics deltas around the burst.
        long[] hotOffsets = RandomOffsets.PageAligned(HotBytes, (int)(ScanBytes / StepBytes) * HotReadsPerStep);
        int nextHot = 0;
        long hotHits = 0;
        long hotMisses = 0;
        PageCacheStatistics start = cache.GetStatistics();
        for (long step = 0; step < ScanBytes; step += StepBytes)
        {
            for (long offset = step; offset < step + StepBytes; offset += scanReadBytes)
            {
                scan.Read(offset, scanBuffer);
            }

            PageCacheStatistics before = cache.GetStatistics();
            for (int i = 0; i < HotReadsPerStep; i++)
            {
                hot.Read(hotOffsets[nextHot++], hotBuffer);
            }

            PageCacheStatistics after = cache.GetStatistics();
            hotHits += after.Hits - before.Hits;
            hotMisses += after.Misses - before.Misses;
        }

        PageCacheStatistics end = cache.GetStatistics();
        return new ScanResistanceResult
        {
            PoolBytes = PoolBytes,
            HotBytes = HotBytes,
            ScanBytes = ScanBytes,
            ScanReadBytes = scanReadBytes,
            ScanAdvice = scanAdvice.ToString(),
            HotReads = nextHot,
            HotHits = hotHits,
            HotMisses = hotMisses,
            HotPagesResidentAtEnd = CountResident(hot, hotPages),
            HotPages = hotPages,
            Evictions = end.Evictions - start.Evictions,
            Promotions = end.Promotions - start.Promotions,
            Deactivations = end.Deactivations - start.Deactivations,
        };
    }

    /// <summary>Counts the hot file's resident pages through its page index (the benchmark runs alone on the cache).</summary>
    private static long CountResident(CachedFile file, long pageCount)
    {
        long resident = 0;
        for (long page = 0; page < pageCount; page++)
        {
            resident += file.FileObject.Index.Lookup(page) >= 0 ? 1 : 0;
        }

        return resident;
    }
}
