// SeededRandom: a PRNG of the project's own (SplitMix64), so a seed replays the same operation
// sequence on every runtime version; System.Random's seeded output is not promised across them.

namespace Quire.Tests.Infrastructure;

public sealed class SeededRandom
{
    private ulong _state;

    public SeededRandom(ulong seed) => _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, maxExclusive).</summary>
    public int Next(int maxExclusive) => maxExclusive <= 0 ? 0 : (int)(NextUInt64() % (ulong)maxExclusive);

    /// <summary>A value in [minInclusive, maxExclusive).</summary>
    public long Next(long minInclusive, long maxExclusive) =>
        minInclusive + (long)(NextUInt64() % (ulong)Math.Max(1, maxExclusive - minInclusive));

    public bool Chance(int percent) => Next(100) < percent;

    public void Fill(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)NextUInt64();
        }
    }
}
