// RandomOffsets: seeded, precomputed page-aligned file offsets, so that every contender of a
// benchmark reads the same sequence and producing the next offset costs one array load.

namespace Quire.Benchmarks;

internal static class RandomOffsets
{
    private const int PageBytes = 4096;

    /// <summary>The seed every benchmark uses; a fixed seed makes runs comparable.</summary>
    public const int Seed = 0x5155_4952; // "QUIR"

    /// <summary><paramref name="count"/> offsets of 4 KiB pages drawn uniformly from a file of <paramref name="fileBytes"/>.</summary>
    public static long[] PageAligned(long fileBytes, int count, int seed = Seed)
    {
        long pageCount = fileBytes / PageBytes;
        var random = new Random(seed);
        var offsets = new long[count];
        for (int i = 0; i < count; i++)
        {
            offsets[i] = random.NextInt64(pageCount) * PageBytes;
        }

        return offsets;
    }

    /// <summary>The offset of every 4 KiB page of a file of <paramref name="fileBytes"/>, each once, in a seeded random order.</summary>
    public static long[] PagePermutation(long fileBytes, int seed = Seed)
    {
        long[] offsets = new long[fileBytes / PageBytes];
        for (int i = 0; i < offsets.Length; i++)
        {
            offsets[i] = (long)i * PageBytes;
        }

        new Random(seed).Shuffle(offsets);
        return offsets;
    }
}
