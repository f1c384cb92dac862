// LiteDbWorkloadSize: how much work one LiteDB run does. The full size makes a database of 86 MiB
// (100,000 documents of about 550 bytes in 8 KiB LiteDB pages, an index on Category, the space
// updates and deletes leave).

namespace Quire.ClientBenchmarks.LiteDbClient;

internal sealed record LiteDbWorkloadSize(int Documents)
{
    /// <summary>Documents inserted, updated or deleted per transaction.</summary>
    public int BatchDocuments { get; init; } = 1_000;

    /// <summary>Documents updated at random (10% of them; an id may be drawn twice).</summary>
    public int Updates => Documents / 10;

    /// <summary>Documents deleted at random (5%; an id may be drawn twice or already be gone).</summary>
    public int Deletes => Documents / 20;

    /// <summary>Point lookups by id in the query phase.</summary>
    public int Lookups => Documents / 10;

    /// <summary>Distinct values of the indexed Category field; the query phase asks for each.</summary>
    public int Categories => 100;

    /// <summary>Range queries over _id in the query phase, each of <see cref="RangeDocuments"/> ids.</summary>
    public int RangeQueries => 100;

    public int RangeDocuments => Math.Max(1, Documents / 200);
}
