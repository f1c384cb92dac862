// SeededPattern: the demo's file content, a function of (seed, file offset) so any range can be
// generated or checked on its own, without keeping a copy of the file in memory.
//
// Invariants: the byte at a file offset depends only on the seed and the offset, so a range read
// at any offset, in any chunk size, can be compared with what was written there. Offsets and
// lengths are multiples of WordBytes: the pattern is a sequence of 64-bit words, word i at file
// offset 8 * i, and every read and write the demo issues is page- or chunk-aligned.
// Immutable, so thread-safe.

using System.Buffers.Binary;
using System.Globalization;

namespace Quire.Cli.Demo;

internal sealed class SeededPattern
{
    /// <summary>The pattern's unit: one 64-bit word.</summary>
    public const int WordBytes = sizeof(ulong);

    private readonly ulong _seedKey; // (I)

    public SeededPattern(int seed)
    {
        Seed = seed;
        // Mix the seed once so that seeds 1 and 2 give unrelated files, not shifted copies.
        _seedKey = Mix((ulong)(uint)seed);
    }

    public int Seed { get; }

    /// <summary>Fills <paramref name="buffer"/> with the pattern's bytes at <paramref name="fileOffset"/>.</summary>
    /// <exception cref="ArgumentException">The offset or the length is not a multiple of <see cref="WordBytes"/>.</exception>
    public void Fill(long fileOffset, Span<byte> buffer)
    {
        long firstWord = FirstWord(fileOffset, buffer.Length);
        for (int i = 0; i < buffer.Length; i += WordBytes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer[i..], WordAt(firstWord + (i / WordBytes)));
        }
    }

    /// <summary>
    /// Checks that <paramref name="buffer"/> holds the pattern's bytes at <paramref name="fileOffset"/>.
    /// </summary>
    /// <param name="fileOffset">Where the bytes were read from.</param>
    /// <param name="buffer">The bytes read.</param>
    /// <param name="source">What returned the bytes (for example "Quire"), named in the error.</param>
    /// <exception cref="ArgumentException">The offset or the length is not a multiple of <see cref="WordBytes"/>.</exception>
    /// <exception cref="PatternMismatchException">A byte differs; the message names the file offset and both values.</exception>
    public void Verify(long fileOffset, ReadOnlySpan<byte> buffer, string source)
    {
        long firstWord = FirstWord(fileOffset, buffer.Length);
        for (int i = 0; i < buffer.Length; i += WordBytes)
        {
            ulong expected = WordAt(firstWord + (i / WordBytes));
            ulong actual = BinaryPrimitives.ReadUInt64LittleEndian(buffer[i..]);
            if (actual != expected)
            {
                // Name the first differing byte, not just the word, so the offset can be checked with a hex dump.
                int inWord = 0;
                while (((actual >> (8 * inWord)) & 0xFF) == ((expected >> (8 * inWord)) & 0xFF))
                {
                    inWord++;
                }

                long badOffset = fileOffset + i + inWord;
                throw new PatternMismatchException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{source} returned 0x{(byte)(actual >> (8 * inWord)):X2} at file offset {badOffset}, but 0x{(byte)(expected >> (8 * inWord)):X2} was written there (pattern seed {Seed})."));
            }
        }
    }

    private static long FirstWord(long fileOffset, int byteCount)
    {
        if (fileOffset % WordBytes != 0 || byteCount % WordBytes != 0)
        {
            throw new ArgumentException(string.Create(
                CultureInfo.InvariantCulture,
                $"The range of {byteCount} bytes at file offset {fileOffset} is not aligned to the pattern's {WordBytes}-byte words."));
        }

        return fileOffset / WordBytes;
    }

    // SplitMix64's finaliser: consecutive inputs give unrelated outputs, so a misplaced page (the
    // right bytes at the wrong offset) is caught as surely as a garbled one.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private ulong WordAt(long wordIndex) => Mix(_seedKey + ((ulong)wordIndex * 0x9E3779B97F4A7C15UL));
}
