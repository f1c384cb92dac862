// ZipfianKeys: YCSB's scrambled zipfian key chooser (theta 0.99, Gray et al.'s method as YCSB's
// ZipfianGenerator implements it): a few keys take most requests, and the FNV hash of the rank
// spreads those hot keys over the whole key space, so they lie all over the log rather than at its
// tail.

namespace Quire.ClientBenchmarks.FasterClient;

internal sealed class ZipfianKeys
{
    // 0.99: YCSB's default skew (ZipfianGenerator.ZIPFIAN_CONSTANT).
    private const double Theta = 0.99;

    private readonly long _keyCount;
    private readonly double _zetaN;
    private readonly double _alpha;
    private readonly double _eta;

    public ZipfianKeys(long keyCount)
    {
        _keyCount = keyCount;
        _zetaN = Zeta(keyCount);
        double zeta2 = Zeta(2);
        _alpha = 1 / (1 - Theta);
        _eta = (1 - Math.Pow(2.0 / keyCount, 1 - Theta)) / (1 - zeta2 / _zetaN);
    }

    public long Next(Random random)
    {
        double u = random.NextDouble();
        double uz = u * _zetaN;
        long rank = uz < 1 ? 0
            : uz < 1 + Math.Pow(0.5, Theta) ? 1
            : (long)(_keyCount * Math.Pow(_eta * u - _eta + 1, _alpha));
        return (long)(Fnv(Math.Min(rank, _keyCount - 1)) % (ulong)_keyCount);
    }

    private static double Zeta(long n)
    {
        double sum = 0;
        for (long i = 1; i <= n; i++)
        {
            sum += 1 / Math.Pow(i, Theta);
        }

        return sum;
    }

    // FNV-1a over the rank's 8 bytes, as YCSB's Utils.FNVhash64 scrambles ranks.
    private static ulong Fnv(long value)
    {
        ulong hash = 0xCBF29CE484222325UL;
        for (int i = 0; i < 8; i++)
        {
            hash ^= (ulong)(value >> (i * 8)) & 0xFF;
            hash *= 0x100000001B3UL;
        }

        return hash;
    }
}
