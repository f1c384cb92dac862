// Proves Lucene.Net indexes and searches through QuireDirectory with the results it gets from its
// own MMapDirectory: the same seeded documents are indexed into both (several commits, merges,
// compound files, deletions), then the same queries must give the same hit counts, the same top
// documents and the same stored fields; with a pool larger than the index and with one much
// smaller, where pages are evicted and re-read while clones hold leases.

using Lucene.Net.Analysis.Standard;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Quire.Lucene;
using Quire.Tests.Infrastructure;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace Quire.Tests.Lucene;

public sealed class LuceneEndToEndTests
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const int Documents = 3_000;

    private static readonly string[] s_words = [.. Enumerable.Range(0, 400).Select(i => "w" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    [Theory]
    [InlineData(4096)] // 16 MiB: the whole index fits
    [InlineData(48)] // 192 KiB: much smaller than the index; leases may pin 12 pages
    public void SearchesThroughQuireFindWhatMMapDirectoryFinds(int frameCount)
    {
        using var temp = new TempDirectory();
        using var cache = new PageCache(QuietCaches.Options(frameCount: frameCount));
        List<string> expected;
        using (var mmap = new MMapDirectory(new DirectoryInfo(temp.File("mmap"))))
        {
            BuildIndex(mmap);
            expected = Search(mmap);
        }

        List<string> actual;
        using (var quire = new QuireDirectory(cache, temp.File("quire")))
        {
            BuildIndex(quire);
            actual = Search(quire);
        }

        Assert.Equal(expected, actual);
        Assert.Equal(0, cache.GetStatistics().PinnedFrames);

        // Reopened by a new directory, the index Quire wrote reads the same.
        using (var reopened = new QuireDirectory(cache, temp.File("quire")))
        {
            Assert.Equal(expected, Search(reopened));
        }

        using (var plain = new MMapDirectory(new DirectoryInfo(temp.File("quire"))))
        {
            Assert.Equal(expected, Search(plain));
        }
    }

    private static void BuildIndex(LuceneDirectory directory)
    {
        var random = new Random(4);
        using var analyzer = new StandardAnalyzer(Version);
        var config = new IndexWriterConfig(Version, analyzer)
        {
            OpenMode = OpenMode.CREATE,
            MaxBufferedDocs = 300, // many small segments, so merges and compound files happen
        };
        using var writer = new IndexWriter(directory, config);
        for (int i = 0; i < Documents; i++)
        {
            var text = string.Join(' ', Enumerable.Range(0, 20 + random.Next(60)).Select(_ => s_words[(int)Math.Min(s_words.Length - 1, Math.Abs(random.NextDouble() * random.NextDouble() * s_words.Length))]));
            writer.AddDocument(new Document
            {
                new StringField("id", "doc" + i, Field.Store.YES),
                new TextField("body", text, Field.Store.YES),
                new Int32Field("number", i, Field.Store.YES),
            });
            if (i % 1_000 == 999)
            {
                writer.Commit();
            }
        }

        writer.DeleteDocuments(new Term("id", "doc7"));
        writer.Commit();
        writer.ForceMerge(2);
    }

    private static List<string> Search(LuceneDirectory directory)
    {
        var results = new List<string>();
        using var analyzer = new StandardAnalyzer(Version);
        using DirectoryReader reader = DirectoryReader.Open(directory);
        var searcher = new IndexSearcher(reader);
        var parser = new QueryParser(Version, "body", analyzer);
        results.Add($"documents {reader.NumDocs}");
        string[] queries = ["w1", "w50", "w399", "+w2 +w3", "w10 w200", "\"w0 w1\"", "w1*", "id:doc7", "id:doc8"];
        foreach (string text in queries)
        {
            TopDocs top = searcher.Search(parser.Parse(text), 20);
            results.Add($"{text}: {top.TotalHits} hits");
            foreach (ScoreDoc hit in top.ScoreDocs)
            {
                Document document = searcher.Doc(hit.Doc);
                results.Add($"  {document.Get("id", System.Globalization.CultureInfo.InvariantCulture)} {hit.Score:R} {document.Get("number", System.Globalization.CultureInfo.InvariantCulture)} {document.Get("body", System.Globalization.CultureInfo.InvariantCulture).Length}");
            }
        }

        var range = NumericRangeQuery.NewInt32Range("number", 100, 200, true, false);
        results.Add($"number range: {searcher.Search(range, 1).TotalHits} hits");
        return results;
    }
}
