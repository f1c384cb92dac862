// Checksum: one number for a set of query results, so that two engines' results can be compared.
// Each result is hashed (FNV-1a over 64-bit words, deterministic across processes, unlike
// HashCode) and the hashes are summed, so the order results come back in does not count: LiteDB
// returns documents with equal index keys in an order its skip list's random levels decide, and
// that order differs from run to run of the same engine.

namespace Quire.ClientBenchmarks;

internal struct Checksum
{
    private const ulong OffsetBasis = 14695981039346656037; // FNV-1a 64-bit offset basis
    private const ulong Prime = 1099511628211; // FNV-1a 64-bit prime

    private ulong _sum;

    public readonly long Value => unchecked((long)_sum);

    /// <summary>Adds one result made of two values.</summary>
    public void Add(long first, long second)
    {
        ulong hash = OffsetBasis;
        hash = unchecked((hash ^ (ulong)first) * Prime);
        hash = unchecked((hash ^ (ulong)second) * Prime);
        _sum = unchecked(_sum + hash);
    }

    /// <summary>Adds one result made of a number and a value.</summary>
    public void Add(long first, double second) => Add(first, BitConverter.DoubleToInt64Bits(second));
}
