// SplitMix64: the seeded generator of the testing doubles, so a seed replays the same faults and
// crash images on every runtime version (System.Random's seeded output is not promised across them).
//
// Locking: none; the owner serializes calls.

namespace Quire.Testing;

internal sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed; // (owner's lock)

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, maxExclusive).</summary>
    public long Next(long maxExclusive) => maxExclusive <= 0 ? 0 : (long)(Next() % (ulong)maxExclusive);

    /// <summary>A value in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
}
