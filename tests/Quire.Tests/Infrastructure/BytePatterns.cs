// Deterministic byte patterns for tests: never zero, so that a zero read back always means a
// hole, a truncated range or the zero-filled tail of the end-of-file page, never data.

namespace Quire.Tests.Infrastructure;

public static class BytePatterns
{
    /// <summary><paramref name="byteCount"/> bytes in 1..255 that differ for different <paramref name="seed"/>s.</summary>
    public static byte[] Create(int byteCount, int seed)
    {
        var bytes = new byte[byteCount];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(1 + (int)(((uint)i * 7u + (uint)seed * 131u + ((uint)i >> 9)) % 255u));
        }

        return bytes;
    }

    /// <summary>Whether every byte of <paramref name="bytes"/> is zero.</summary>
    public static bool AllZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);
}
