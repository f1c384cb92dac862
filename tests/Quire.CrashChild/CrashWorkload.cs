// CrashWorkload: the seeded operations the crash child runs and the parent test replays: both
// sides generate the same sequence from the same seed, so the child only has to say which
// operation's flush succeeded, and the parent knows exactly what that flush covered.

namespace Quire.CrashChild;

/// <summary>One operation of the workload: a write, a size change or a flush of one of the files.</summary>
public readonly record struct CrashOperation(int Index, int FileIndex, CrashOperationKind Kind, long FileOffset, int ByteCount, byte Fill);

/// <summary>What a <see cref="CrashOperation"/> does.</summary>
public enum CrashOperationKind
{
    Write,
    SetLength,
    Flush,
}

public static class CrashWorkload
{
    public const int FileCount = 2;
    public const int PageSize = 4096;
    private const long MaxFileBytes = 64 * PageSize;

    /// <summary>The workload's first <paramref name="count"/> operations for <paramref name="seed"/>.</summary>
    public static IEnumerable<CrashOperation> Generate(ulong seed, int count)
    {
        ulong state = seed;
        ulong Next()
        {
            ulong z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        for (int i = 0; i < count; i++)
        {
            int file = (int)(Next() % FileCount);
            ulong dice = Next() % 100;
            if (dice < 70)
            {
                long offset = (long)(Next() % (ulong)MaxFileBytes);
                int length = 1 + (int)(Next() % (3 * PageSize));
                yield return new CrashOperation(i, file, CrashOperationKind.Write, offset, length, (byte)(1 + (Next() % 255)));
            }
            else if (dice < 78)
            {
                yield return new CrashOperation(i, file, CrashOperationKind.SetLength, (long)(Next() % (ulong)MaxFileBytes), 0, 0);
            }
            else
            {
                yield return new CrashOperation(i, file, CrashOperationKind.Flush, 0, 0, 0);
            }
        }
    }

    /// <summary>The bytes a write operation writes: its fill value, varied by position so misplaced bytes show.</summary>
    public static byte[] DataOf(CrashOperation operation)
    {
        var data = new byte[operation.ByteCount];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(operation.Fill + ((operation.FileOffset + i) / 512));
        }

        return data;
    }

    public static string FileName(int fileIndex) => $"crash{fileIndex}.bin";
}
