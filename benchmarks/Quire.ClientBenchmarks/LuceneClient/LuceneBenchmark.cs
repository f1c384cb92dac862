// LuceneBenchmark: Lucene.Net 4.8 indexing, searching, stored-field fetches and random
// Seek + ReadInt64 through Quire.Lucene's QuireDirectory against Lucene's own MMapDirectory (its
// default on 64-bit Linux) and NIOFSDirectory, in the same process run.
//
// Engines: "MMapDirectory" and "NIOFSDirectory" write through FileStreams into the OS page cache
// (FSDirectory's output) and read through memory maps or positional reads; their Sync fsyncs the
// files written since the last one, then the directory. "Quire N MiB" is QuireDirectory over one
// PageCache with an N MiB pool, larger and smaller than the index.

using Quire.Lucene;

namespace Quire.ClientBenchmarks.LuceneClient;

internal static class LuceneBenchmark
{
    public const string MMapEngine = "MMapDirectory";

    public const string NioEngine = "NIOFSDirectory";

    private const long MiB = 1 << 20;

    private const int Seed = 48; // any fixed value: every engine indexes the same corpus

    /// <summary>Runs the rounds and returns the markdown table.</summary>
    public static string Run(ScratchDirectory scratch, bool quick, int rounds)
    {
        // Full: an index of 44 MiB against pools of 200 MiB (larger) and 25 MiB (smaller).
        // Quick: 1/20 of the documents, pools in the same proportion.
        LuceneWorkloadSize size = quick
            ? new LuceneWorkloadSize(10_000, Commits: 4, QueryPasses: 20, SeekFileBytes: 2 << 20, Seeks: 200_000)
            : new LuceneWorkloadSize(200_000, Commits: 4, QueryPasses: 50, SeekFileBytes: 32 << 20, Seeks: 2_000_000);
        long largePool = quick ? 10 * MiB : 200 * MiB;
        long smallPool = quick ? 5 * MiB / 4 : 25 * MiB;
        var warmUpSize = new LuceneWorkloadSize(5_000, Commits: 2, QueryPasses: 5, SeekFileBytes: 1 << 20, Seeks: 100_000);
        var corpus = new Corpus(size.Documents, Seed);

        var contenders = new List<Contender>
        {
            FileSystem(MMapEngine, corpus, size, path => new global::Lucene.Net.Store.MMapDirectory(new DirectoryInfo(path))),
            FileSystem(NioEngine, corpus, size, path => new global::Lucene.Net.Store.NIOFSDirectory(new DirectoryInfo(path))),
            Quire(corpus, size, largePool),
            Quire(corpus, size, smallPool),
        };
        var warmUp = new List<Contender>
        {
            FileSystem(MMapEngine, corpus, warmUpSize, path => new global::Lucene.Net.Store.MMapDirectory(new DirectoryInfo(path))),
            FileSystem(NioEngine, corpus, warmUpSize, path => new global::Lucene.Net.Store.NIOFSDirectory(new DirectoryInfo(path))),
            Quire(corpus, warmUpSize, largePool),
        };
        EngineRun[][] runs = RoundRunner.Run(scratch, "lucene", warmUp, contenders, rounds);

        string title = $"Lucene.Net 4.8.0-beta00018: {size.Documents:#,0} documents indexed with {size.Commits} commits, "
            + $"then {size.QueryPasses} passes of {runs[0][0].Phase("query").Operations / size.QueryPasses} queries, every stored document fetched once, "
            + $"{size.Seeks:#,0} random Seek + ReadInt64 in a {size.SeekFileBytes >> 20} MiB file; {rounds} rounds";
        const string note = "Rates are documents per second (index: adding every document, the commits, and closing the writer, "
            + "which waits for merges and commits) and queries per second (query: opening a reader, then the queries, top 10 "
            + "each), documents per second (fetch: every document's stored fields, in a seeded random order, through the same "
            + "reader) and reads per second (seek: Seek to a random offset of a file written and synced through the directory, "
            + "then ReadInt64, on one input). Ratios are each engine's rate over the baseline's in the same round: median (range over the rounds); "
            + "above 1 is faster. Throttle share is the time writers spent in Quire's dirty-throttle pauses over the phase's "
            + "wall time (merge threads included); counters are medians per phase.";
        return WorkloadReport.Build(title, note, contenders, runs, [MMapEngine, NioEngine]);
    }

    private static Contender FileSystem(string name, Corpus corpus, LuceneWorkloadSize size, Func<string, global::Lucene.Net.Store.Directory> open) => new(name, path =>
    {
        using global::Lucene.Net.Store.Directory directory = open(path);
        return LuceneWorkload.Run(name, corpus, size, directory, statistics: null);
    });

    private static Contender Quire(Corpus corpus, LuceneWorkloadSize size, long poolBytes)
    {
        string name = $"Quire {(double)poolBytes / MiB:0.##} MiB";
        return new Contender(name, path =>
        {
            using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = poolBytes });
            using var directory = new QuireDirectory(cache, path);
            return LuceneWorkload.Run(name, corpus, size, directory, cache.GetStatistics);
        });
    }
}
