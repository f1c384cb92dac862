// WarmRestart: how soon a restarted cache serves a zipfian reader as well as before the restart,
// cold against warm (issue 16's target: warm reaches 90% of the pre-restart hit ratio at least 5x
// sooner). Not a micro-benchmark: one process, real files, O_DIRECT (so the OS page cache neither
// helps the cold start nor the reload), in the same run:
//
//  1. Before: a cache of 32 MiB serves a zipfian reader (skew 0.99, 4 KiB reads, hot pages spread
//     over a 128 MiB file by a seeded permutation) until steady; its hit ratio over the last
//     100,000 reads is the target H. It saves its resident set and is disposed.
//  2. Cold: a new cache, the same reader paced at ReadsPerSecond (a service answering requests,
//     not a loop that warms the cache as fast as the device allows); the hit ratio is taken per
//     window of WindowReads reads, and the time to the end of the first window at or above 0.9 H
//     is the cold time (capped at MaxSeconds).
//  3. Warm: the same with PrewarmAsync of the saved set started at the same moment, at the
//     default MaxPrewarmReadsPerSecond, at a tenth of it, and unlimited.
// Rounds rotate the order of the three starts; medians and ranges are printed.
// Run: Quire.Benchmarks warm-restart [rounds] (default 3).

using System.Diagnostics;
using System.Globalization;

namespace Quire.Benchmarks;

internal static class WarmRestart
{
    private const int PageBytes = 4096;
    private const long PoolBytes = 32L << 20; // 8,192 frames
    private const long FileBytes = 128L << 20; // 32,768 pages: the pool holds a quarter
    private const double Skew = 0.99; // YCSB's zipfian constant
    private const int ReadsPerSecond = 5_000; // a fifth of the device's random 4 KiB reads at QD1 (docs/MEASURING.md)
    private const int WindowReads = 1_000; // 0.2 s at the pace: the time resolution
    private const int SteadyReads = 400_000; // before: enough to fill the pool and settle the queues
    private const int TargetReads = 100_000; // before: the reads H is measured over
    private const double MaxSeconds = 60;
    private const int Seed = 16;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        string data = ScratchFiles.GetOrCreate("warm-restart-128MiB.bin", FileBytes);
        string dump = ScratchFiles.PathOf("warm-restart.set");
        var sampler = new Sampler(FileBytes / PageBytes, Skew, Seed);
        Console.WriteLine($"warm-restart: pool {PoolBytes >> 20} MiB, file {FileBytes >> 20} MiB, zipf {Skew}, reader {ReadsPerSecond} reads/s, window {WindowReads} reads, seed {Seed}, rounds {rounds}");
        int defaultRate = new PageCacheOptions().MaxPrewarmReadsPerSecond;
        var rates = new Dictionary<string, int?>
        {
            ["cold"] = null,
            [$"warm ({defaultRate} reads/s)"] = defaultRate,
            [$"warm ({defaultRate / 10} reads/s)"] = defaultRate / 10,
            ["warm (unlimited)"] = int.MaxValue,
        };
        var results = rates.Keys.ToDictionary(name => name, _ => new List<double>());
        for (int round = 0; round < rounds; round++)
        {
            double target = 0.9 * Before(data, dump, sampler, round);
            string[] order = [.. results.Keys];
            for (int i = 0; i < order.Length; i++)
            {
                string name = order[(i + round) % order.Length];
                int? rate = rates[name];
                (double seconds, PrewarmResult? prewarm) = TimeToTarget(data, dump, sampler, target, rate, round);
                results[name].Add(seconds);
                Console.WriteLine($"  round {round}: {name,-22} {seconds,6:F2} s to {target:P1}{(prewarm is null ? "" : $" (prewarm read {prewarm.PagesReloaded} pages, pool full: {prewarm.StoppedAtFullPool})")}");
            }
        }

        double cold = Median(results["cold"]);
        foreach ((string name, List<double> seconds) in results)
        {
            Console.WriteLine($"{name,-22} median {Median(seconds),6:F2} s (range {seconds.Min():F2}-{seconds.Max():F2}); cold / this = {cold / Median(seconds):F1}x");
        }

        return 0;
    }

    /// <summary>Runs the cache before the restart to steady state, saves its resident set and returns its hit ratio H.</summary>
    private static double Before(string data, string dump, Sampler sampler, int round)
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = PoolBytes, UseDirectIO = true });
        using CachedFile file = cache.Open(data, FileMode.Open, FileAccess.Read);
        file.Advise(0, 0, FileAdvice.Random);
        var random = new Random(Seed + round);
        byte[] buffer = new byte[PageBytes];
        for (int i = 0; i < SteadyReads; i++)
        {
            file.Read(sampler.NextPage(random) * PageBytes, buffer);
        }

        PageCacheStatistics start = cache.GetStatistics();
        for (int i = 0; i < TargetReads; i++)
        {
            file.Read(sampler.NextPage(random) * PageBytes, buffer);
        }

        PageCacheStatistics end = cache.GetStatistics();
        double hitRatio = (double)(end.Hits - start.Hits) / TargetReads;
        long pages = cache.SaveResidentSet(dump);
        Console.WriteLine($"  round {round}: before the restart: hit ratio {hitRatio:P1}, {pages} pages saved ({new FileInfo(dump).Length} bytes)");
        return hitRatio;
    }

    /// <summary>Starts a new cache (prewarming at <paramref name="rate"/>, or cold when null) and times the paced reader to a window at <paramref name="target"/>.</summary>
    private static (double Seconds, PrewarmResult? Prewarm) TimeToTarget(string data, string dump, Sampler sampler, double target, int? rate, int round)
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = PoolBytes, UseDirectIO = true, MaxPrewarmReadsPerSecond = rate ?? int.MaxValue });
        Task<PrewarmResult>? prewarm = rate is null ? null : cache.PrewarmAsync(dump);
        using CachedFile file = cache.Open(data, FileMode.Open, FileAccess.Read);
        file.Advise(0, 0, FileAdvice.Random);
        var random = new Random((Seed * 1000) + round);
        byte[] buffer = new byte[PageBytes];
        var clock = Stopwatch.StartNew();
        long reads = 0;
        double seconds = MaxSeconds;
        while (clock.Elapsed.TotalSeconds < MaxSeconds)
        {
            PageCacheStatistics start = cache.GetStatistics();
            for (int i = 0; i < WindowReads; i++, reads++)
            {
                double ahead = ((double)reads / ReadsPerSecond) - clock.Elapsed.TotalSeconds;
                if (ahead > 0.001)
                {
                    Thread.Sleep(TimeSpan.FromSeconds(ahead));
                }

                file.Read(sampler.NextPage(random) * PageBytes, buffer);
            }

            PageCacheStatistics end = cache.GetStatistics();
            long hits = end.Hits - start.Hits;
            long misses = end.Misses - start.Misses;
            if ((double)hits / (hits + misses) >= target)
            {
                seconds = clock.Elapsed.TotalSeconds;
                break;
            }
        }

        PrewarmResult? result = prewarm?.WaitAsync(TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
        return (seconds, result);
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Zipfian page numbers: rank k drawn with probability proportional to 1 / (k + 1)^skew, ranks spread over the file by a seeded permutation.</summary>
    private sealed class Sampler
    {
        private readonly double[] _cumulative;
        private readonly long[] _pageOfRank;

        public Sampler(long pageCount, double skew, int seed)
        {
            _cumulative = new double[pageCount];
            double sum = 0;
            for (long k = 0; k < pageCount; k++)
            {
                sum += 1 / Math.Pow(k + 1, skew);
                _cumulative[k] = sum;
            }

            for (long k = 0; k < pageCount; k++)
            {
                _cumulative[k] /= sum;
            }

            _pageOfRank = new long[pageCount];
            for (long k = 0; k < pageCount; k++)
            {
                _pageOfRank[k] = k;
            }

            new Random(seed).Shuffle(_pageOfRank);
        }

        public long NextPage(Random random)
        {
            int index = Array.BinarySearch(_cumulative, random.NextDouble());
            return _pageOfRank[index >= 0 ? index : Math.Min(~index, _pageOfRank.Length - 1)];
        }
    }
}
