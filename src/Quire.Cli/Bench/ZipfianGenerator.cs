// ZipfianGenerator: YCSB's scrambled zipfian distribution over [0, itemCount): a few items are
// drawn very often, most rarely (Gray et al., "Quickly generating billion-record synthetic
// databases", as YCSB implements it), and the popular items are scattered over the range by a
// hash, so the hot pages are not all at the start of the file.
//
// Locking: immutable after construction; each caller passes its own Random.

namespace Quire.Cli.Bench;

internal sealed class ZipfianGenerator
{
    // 0.99: YCSB's default skew (its "zipfian constant"); about 80 % of draws hit 20 % of the items
    // at the sizes used here.
    public const double DefaultSkew = 0.99;

    private readonly long _itemCount; // (I)
    private readonly double _theta; // (I)
    private readonly double _alpha; // (I)
    private readonly double _zetaN; // (I)
    private readonly double _eta; // (I)

    public ZipfianGenerator(long itemCount, double skew = DefaultSkew)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(itemCount, 2);
        _itemCount = itemCount;
        _theta = skew;
        _alpha = 1 / (1 - skew);
        _zetaN = Zeta(itemCount, skew);
        double zeta2 = Zeta(2, skew);
        _eta = (1 - Math.Pow(2.0 / itemCount, 1 - skew)) / (1 - (zeta2 / _zetaN));
    }

    /// <summary>The next item: a number in [0, item count), popular ones scattered by a hash.</summary>
    public long Next(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return (long)(Fnv1a(NextRank(random)) % (ulong)_itemCount);
    }

    /// <summary>The next item's popularity rank: 0 is the most popular.</summary>
    public long NextRank(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double u = random.NextDouble();
        double uz = u * _zetaN;
        if (uz < 1)
        {
            return 0;
        }

        if (uz < 1 + Math.Pow(0.5, _theta))
        {
            return 1;
        }

        long rank = (long)(_itemCount * Math.Pow((_eta * u) - _eta + 1, _alpha));
        return Math.Min(rank, _itemCount - 1);
    }

    private static double Zeta(long n, double theta)
    {
        double sum = 0;
        for (long i = 1; i <= n; i++)
        {
            sum += 1 / Math.Pow(i, theta);
        }

        return sum;
    }

    private static ulong Fnv1a(long value)
    {
        const ulong OffsetBasis = 14695981039346656037;
        const ulong Prime = 1099511628211;
        ulong hash = OffsetBasis;
        for (int i = 0; i < 8; i++)
        {
            hash ^= (ulong)(value >> (i * 8)) & 0xFF;
            hash *= Prime;
        }

        return hash;
    }
}
