// CrashWorkload: the seeded operations the crash child runs and the parent test replays: both
// sides generate the same sequence from the same seed, so the child only has to say which
// operation it finished (a flush, or a change of names), and the parent knows exactly what each
// covered. The data operations on the two data files come from one random stream; the name
// operations (create, rename over, delete, each made durable before it is acknowledged) are
// slipped in between from a second stream, so adding them left the data workload of a seed as it was.

namespace Quire.CrashChild;

/// <summary>
/// One operation of the workload: a write, a size change or a flush of one of the data files
/// (<see cref="FileIndex"/>), or a change of names in one of the name slots (<see cref="FileIndex"/>
/// is then the slot, and a create writes <see cref="ByteCount"/> bytes of <see cref="Fill"/>).
/// </summary>
public readonly record struct CrashOperation(int Index, int FileIndex, CrashOperationKind Kind, long FileOffset, int ByteCount, byte Fill)
{
    /// <summary>Whether the child prints the operation's index when it returns: a flush or a change of names.</summary>
    public bool IsAcknowledged => Kind is not (CrashOperationKind.Write or CrashOperationKind.SetLength);
}

/// <summary>What a <see cref="CrashOperation"/> does.</summary>
public enum CrashOperationKind
{
    Write,
    SetLength,
    Flush,

    /// <summary>Creates the slot's temporary name (<see cref="CrashWorkload.TemporaryName"/>), writes it and closes it (the last close flushes).</summary>
    Create,

    /// <summary>Moves the slot's temporary name over its final name (<see cref="CrashWorkload.FinalName"/>).</summary>
    Rename,

    /// <summary>Deletes the slot's final name.</summary>
    Delete,
}

public static class CrashWorkload
{
    public const int FileCount = 2;
    public const int NameSlotCount = 3;
    public const int PageSize = 4096;
    private const long MaxFileBytes = 64 * PageSize;
    private const int NameOperationPercent = 3; // after each data operation; about a dozen a kill

    /// <summary>The workload's first <paramref name="count"/> operations for <paramref name="seed"/>.</summary>
    public static IEnumerable<CrashOperation> Generate(ulong seed, int count)
    {
        var data = new SplitMix(seed);
        var names = new SplitMix(~seed);
        var slots = new (bool Temporary, bool Final)[NameSlotCount];
        for (int i = 0; i < count; i++)
        {
            int file = (int)(data.Next() % FileCount);
            ulong dice = data.Next() % 100;
            if (dice < 70)
            {
                long offset = (long)(data.Next() % (ulong)MaxFileBytes);
                int length = 1 + (int)(data.Next() % (3 * PageSize));
                yield return new CrashOperation(i, file, CrashOperationKind.Write, offset, length, (byte)(1 + (data.Next() % 255)));
            }
            else if (dice < 78)
            {
                yield return new CrashOperation(i, file, CrashOperationKind.SetLength, (long)(data.Next() % (ulong)MaxFileBytes), 0, 0);
            }
            else
            {
                yield return new CrashOperation(i, file, CrashOperationKind.Flush, 0, 0, 0);
            }

            if (names.Next() % 100 < NameOperationPercent && ++i < count)
            {
                yield return NextNameOperation(i, ref names, slots);
            }
        }
    }

    /// <summary>
    /// The next change of names in a random slot, from the slot's state: a temporary name is
    /// renamed over the final one; with none, one is created, or (a third of the time, when there
    /// is a final name) the final name is deleted.
    /// </summary>
    private static CrashOperation NextNameOperation(int index, ref SplitMix random, (bool Temporary, bool Final)[] slots)
    {
        int slot = (int)(random.Next() % NameSlotCount);
        ref (bool Temporary, bool Final) state = ref slots[slot];
        if (state.Temporary)
        {
            state = (false, true);
            return new CrashOperation(index, slot, CrashOperationKind.Rename, 0, 0, 0);
        }

        if (state.Final && random.Next() % 3 == 0)
        {
            state.Final = false;
            return new CrashOperation(index, slot, CrashOperationKind.Delete, 0, 0, 0);
        }

        state.Temporary = true;
        int length = 1 + (int)(random.Next() % (2 * PageSize));
        return new CrashOperation(index, slot, CrashOperationKind.Create, 0, length, (byte)(1 + (random.Next() % 255)));
    }

    /// <summary>The bytes a write operation (or a create) writes: its fill value, varied by position so misplaced bytes show.</summary>
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

    /// <summary>The name a slot's file is created under.</summary>
    public static string TemporaryName(int slot) => $"name{slot}.tmp";

    /// <summary>The name a slot's file is renamed to.</summary>
    public static string FinalName(int slot) => $"name{slot}.dat";

    /// <summary>A SplitMix64 stream.</summary>
    private struct SplitMix(ulong state)
    {
        private ulong _state = state;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
