// LuceneWorkload: the work every Lucene engine does over a Directory it is given. Index: the
// corpus's documents added one by one (id and category as keywords, title stored and analyzed,
// body analyzed), with a commit after every Documents/Commits of them, then the writer closed
// (waiting for its merges and committing). Query: a reader opened on the index and a fixed set
// of queries (single terms common and rare, conjunctions, disjunctions, phrases, a prefix, a
// category filter) run QueryPasses times, the top 10 asked for; each query's hit count is a
// result every engine must match. Fetch: every document's stored fields through the same reader,
// in a seeded random order (a permutation, so the total of the titles' lengths does not depend on
// how merges laid the segments out). Seek: a file of seeded bytes written and synced through the
// directory, then Seeks times a Seek to a seeded random offset and a ReadInt64 on one input; the
// XOR of the values read is a result every engine must match.

using System.Text;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Util;

namespace Quire.ClientBenchmarks.LuceneClient;

internal static class LuceneWorkload
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;

    private const int Seed = 49; // any fixed value: every engine fetches and seeks in the same order

    /// <summary>Runs both phases; the caller disposes the directory afterwards.</summary>
    public static EngineRun Run(string engine, Corpus corpus, LuceneWorkloadSize size, global::Lucene.Net.Store.Directory directory, Func<PageCacheStatistics>? statistics)
    {
        var clock = new PhaseClock(statistics);
        using var analyzer = new StandardAnalyzer(Version);
        Query[] queries = ParseQueries(corpus, analyzer);
        var results = new Dictionary<string, long>();
        clock.Start();

        Index(corpus, size, directory, analyzer);
        clock.Lap("index", size.Documents);

        using (DirectoryReader reader = DirectoryReader.Open(directory))
        {
            var searcher = new IndexSearcher(reader);
            results["documents"] = reader.NumDocs;
            for (int pass = 0; pass < size.QueryPasses; pass++)
            {
                for (int i = 0; i < queries.Length; i++)
                {
                    int hits = searcher.Search(queries[i], 10).TotalHits;
                    if (pass == 0)
                    {
                        results[$"hits of {queries[i]}"] = hits;
                    }
                }
            }

            clock.Lap("query", (long)size.QueryPasses * queries.Length);
            results["title characters fetched"] = FetchAll(reader);
            clock.Lap("fetch", reader.MaxDoc);
        }

        WriteSeekFile(directory, size.SeekFileBytes);
        clock.Start();
        results["seek checksum"] = SeekAndRead(directory, size);
        clock.Lap("seek", size.Seeks);
        return new EngineRun(engine, clock.Phases, results);
    }

    private const string SeekFileName = "seek-target.bin";

    private static long FetchAll(DirectoryReader reader)
    {
        int[] order = [.. Enumerable.Range(0, reader.MaxDoc)];
        new Random(Seed).Shuffle(order);
        long characters = 0;
        foreach (int document in order)
        {
            characters += reader.Document(document).Get("title", System.Globalization.CultureInfo.InvariantCulture).Length;
        }

        return characters;
    }

    private static void WriteSeekFile(global::Lucene.Net.Store.Directory directory, int byteCount)
    {
        var random = new Random(Seed);
        byte[] chunk = new byte[1 << 16];
        using (global::Lucene.Net.Store.IndexOutput output = directory.CreateOutput(SeekFileName, global::Lucene.Net.Store.IOContext.DEFAULT))
        {
            for (int written = 0; written < byteCount; written += chunk.Length)
            {
                random.NextBytes(chunk);
                output.WriteBytes(chunk, Math.Min(chunk.Length, byteCount - written));
            }
        }

        directory.Sync([SeekFileName]);
    }

    private static long SeekAndRead(global::Lucene.Net.Store.Directory directory, LuceneWorkloadSize size)
    {
        var random = new Random(Seed);
        long[] offsets = [.. Enumerable.Range(0, Math.Min(size.Seeks, 1 << 16)).Select(_ => random.NextInt64(size.SeekFileBytes - sizeof(long)))];
        long checksum = 0;
        using global::Lucene.Net.Store.IndexInput input = directory.OpenInput(SeekFileName, global::Lucene.Net.Store.IOContext.DEFAULT);
        for (int i = 0; i < size.Seeks; i++)
        {
            input.Seek(offsets[i & (offsets.Length - 1)]);
            checksum ^= input.ReadInt64();
        }

        return checksum;
    }

    private static void Index(Corpus corpus, LuceneWorkloadSize size, global::Lucene.Net.Store.Directory directory, StandardAnalyzer analyzer)
    {
        var config = new IndexWriterConfig(Version, analyzer) { OpenMode = OpenMode.CREATE };
        using var writer = new IndexWriter(directory, config);

        // One document and its fields, refilled for every document, as Lucene recommends for speed.
        var id = new StringField("id", "", Field.Store.YES);
        var category = new StringField("category", "", Field.Store.NO);
        var title = new TextField("title", "", Field.Store.YES);
        var body = new TextField("body", "", Field.Store.NO);
        var document = new Document { id, category, title, body };
        var scratch = new StringBuilder();
        int commitEvery = Math.Max(1, size.Documents / size.Commits);
        for (int i = 0; i < size.Documents; i++)
        {
            id.SetStringValue("doc" + i);
            category.SetStringValue(corpus.Category(i));
            title.SetStringValue(corpus.Title(i, scratch));
            body.SetStringValue(corpus.Body(i, scratch));
            writer.AddDocument(document);
            if ((i + 1) % commitEvery == 0)
            {
                writer.Commit();
            }
        }
    }

    private static Query[] ParseQueries(Corpus corpus, StandardAnalyzer analyzer)
    {
        string W(int rank) => corpus.Word(rank);
        string[] texts =
        [
            W(3), W(30), W(300), W(3_000), W(15_000),
            $"title:{W(10)}", $"title:{W(100)}", $"title:{W(1_000)}",
            $"+{W(5)} +{W(50)}", $"+{W(20)} +{W(200)}", $"+{W(100)} +{W(1_000)}",
            $"{W(500)} {W(5_000)}", $"{W(2_000)} {W(9_000)} {W(12_000)}",
            $"\"{W(1)} {W(2)}\"", $"\"{W(10)} {W(20)}\"",
            $"{W(17)[..4]}*",
            $"+category:cat7 +{W(40)}",
        ];
        var parser = new QueryParser(Version, "body", analyzer);
        return texts.Select(parser.Parse).ToArray();
    }
}
