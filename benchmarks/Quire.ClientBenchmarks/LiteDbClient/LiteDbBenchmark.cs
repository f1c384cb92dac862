// LiteDbBenchmark: LiteDB over Quire against LiteDB over its own files, in the same process run.
//
// Engines: "LiteDB files" is plain LiteDB opening its files itself (Filename=...; Connection=direct):
// FileStreams into the OS page cache. "Quire N MiB" gives LiteDB two CachedFileStreams, the data
// file and the log (write-ahead) file, each on its own CachedFile of one PageCache whose pool is
// N MiB: two pools smaller than the database and one larger.
//
// Durability is the same in both: LiteDB 5.0.21 writes a commit to the log without flushing it and
// flushes only the data file, at each checkpoint (when the log reaches 1,000 pages, and at close).
// It calls FileStream.Flush(flushToDisk: true) on its own FileStream (an fsync) and Stream.Flush()
// on a stream it was given, which for a CachedFileStream is a durable flush. The close phase of
// each engine ends with every file durable: LiteDB's last checkpoint, then for Quire the handles'
// close (a flush of each file).
//
// After each run, outside the timing, plain LiteDB reopens the files the engine wrote and counts
// the documents, so a Quire run that lost a write fails the equality check.

using LiteDB;

namespace Quire.ClientBenchmarks.LiteDbClient;

internal static class LiteDbBenchmark
{
    public const string PlainEngine = "LiteDB files";

    private const long MiB = 1 << 20;

    /// <summary>Runs the rounds and returns the markdown table.</summary>
    public static string Run(ScratchDirectory scratch, bool quick, int rounds)
    {
        // Full: a database of 86 MiB against pools of 8 and 32 MiB (smaller) and 256 MiB
        // (larger). Quick: 1/20 of the documents and 1/16 of the pools, the same proportions.
        LiteDbWorkloadSize size = quick ? new LiteDbWorkloadSize(5_000) { BatchDocuments = 250 } : new LiteDbWorkloadSize(100_000);
        long[] poolBytes = quick ? [MiB / 2, 2 * MiB, 16 * MiB] : [8 * MiB, 32 * MiB, 256 * MiB];
        var warmUpSize = new LiteDbWorkloadSize(2_000) { BatchDocuments = 250 };

        var contenders = new List<Contender> { Plain(size) };
        contenders.AddRange(poolBytes.Select(pool => Quire(size, pool)));
        var warmUp = new List<Contender> { Plain(warmUpSize), Quire(warmUpSize, 8 * MiB) };
        EngineRun[][] runs = RoundRunner.Run(scratch, "litedb", warmUp, contenders, rounds);

        string title = $"LiteDB 5.0.21: {size.Documents:#,0} documents in transactions of {size.BatchDocuments:#,0}, "
            + $"{size.Updates:#,0} updates, {size.Deletes:#,0} deletes, then queries; {rounds} rounds";
        const string note = "Rates are documents per second (insert, update, delete), queries per second (query: one per "
            + "category through the index, ranges of ids and point lookups) or the phase's time (close: LiteDB's last "
            + "checkpoint, then closing Quire's handles, which flushes them). Ratios are each engine's rate over the "
            + "baseline's in the same round: median (range over the rounds); above 1 is faster. Throttle share is the "
            + "time writers spent in Quire's dirty-throttle pauses over the phase's wall time; counters are medians "
            + "per phase.";
        return WorkloadReport.Build(title, note, contenders, runs, [PlainEngine]);
    }

    private static Contender Plain(LiteDbWorkloadSize size) => new(PlainEngine, directory =>
    {
        string path = Path.Combine(directory, "orders.db");
        var database = new LiteDatabase($"Filename={path};Connection=direct");
        EngineRun run = LiteDbWorkload.Run(PlainEngine, size, database, database.Dispose, statistics: null);
        return WithReopenedCount(run, path);
    });

    private static Contender Quire(LiteDbWorkloadSize size, long poolBytes)
    {
        string name = $"Quire {(double)poolBytes / MiB:0.#} MiB";
        return new Contender(name, directory =>
        {
            string path = Path.Combine(directory, "orders.db");
            EngineRun run;
            using (var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = poolBytes }))
            {
                // LiteDB names its log file this way, so plain LiteDB finds it when it reopens the database.
                CachedFileStream data = cache.Open(path, FileMode.CreateNew).AsStream();
                CachedFileStream log = cache.Open(Path.Combine(directory, "orders-log.db"), FileMode.CreateNew).AsStream();
                var database = new LiteDatabase(data, mapper: null, log);
                run = LiteDbWorkload.Run(name, size, database, () =>
                {
                    database.Dispose();
                    data.Dispose();
                    log.Dispose();
                }, cache.GetStatistics);
            }

            return WithReopenedCount(run, path);
        });
    }

    private static EngineRun WithReopenedCount(EngineRun run, string path)
    {
        var results = new Dictionary<string, long>(run.Results)
        {
            ["documents reopened by plain LiteDB"] = LiteDbWorkload.CountWithPlainLiteDb(path),
        };
        return run with { Results = results };
    }
}
