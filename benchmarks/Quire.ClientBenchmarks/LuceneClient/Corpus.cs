// Corpus: the seeded documents every Lucene engine indexes, generated once per process and kept as
// word ranks (2 bytes a word) so that indexing, not generating text, is what the runs time.
// Words are made of syllables from their rank (at least two syllables, so no word is an English
// stop word the analyzer would drop) and drawn with a Zipf distribution (exponent 1), as words of
// natural text are: a few very common, most rare.
//
// Locking: none; immutable once built.

using System.Text;

namespace Quire.ClientBenchmarks.LuceneClient;

internal sealed class Corpus
{
    public const int VocabularyWords = 20_000;

    public const int Categories = 50;

    private static readonly string[] s_syllables = ["ka", "lo", "mi", "ru", "te", "sa", "vo", "pi", "de", "gu", "fa", "ne", "zo", "hi", "bu", "ly"];

    private readonly string[] _words;
    private readonly ushort[][] _titles;
    private readonly ushort[][] _bodies;
    private readonly byte[] _categories;

    public Corpus(int documentCount, int seed)
    {
        _words = Enumerable.Range(0, VocabularyWords).Select(WordOf).ToArray();
        double[] cumulative = new double[VocabularyWords];
        double total = 0;
        for (int rank = 0; rank < VocabularyWords; rank++)
        {
            total += 1.0 / (rank + 1);
            cumulative[rank] = total;
        }

        var random = new Random(seed);
        _titles = new ushort[documentCount][];
        _bodies = new ushort[documentCount][];
        _categories = new byte[documentCount];
        for (int i = 0; i < documentCount; i++)
        {
            _titles[i] = Draw(random, cumulative, total, 4 + random.Next(7));
            _bodies[i] = Draw(random, cumulative, total, 40 + random.Next(81));
            _categories[i] = (byte)random.Next(Categories);
        }
    }

    public int DocumentCount => _bodies.Length;

    /// <summary>The word of a rank: rank 0 is the most common.</summary>
    public string Word(int rank) => _words[rank];

    public string Title(int document, StringBuilder scratch) => Text(_titles[document], scratch);

    public string Body(int document, StringBuilder scratch) => Text(_bodies[document], scratch);

    public string Category(int document) => "cat" + _categories[document];

    private static string WordOf(int rank)
    {
        var word = new StringBuilder();
        for (int digits = rank + s_syllables.Length; digits > 0; digits /= s_syllables.Length)
        {
            word.Append(s_syllables[digits % s_syllables.Length]);
        }

        return word.ToString();
    }

    private static ushort[] Draw(Random random, double[] cumulative, double total, int count)
    {
        ushort[] ranks = new ushort[count];
        for (int i = 0; i < count; i++)
        {
            int found = Array.BinarySearch(cumulative, random.NextDouble() * total);
            ranks[i] = (ushort)Math.Min(found < 0 ? ~found : found, VocabularyWords - 1);
        }

        return ranks;
    }

    private string Text(ushort[] ranks, StringBuilder scratch)
    {
        scratch.Clear();
        foreach (ushort rank in ranks)
        {
            scratch.Append(_words[rank]).Append(' ');
        }

        return scratch.ToString();
    }
}
