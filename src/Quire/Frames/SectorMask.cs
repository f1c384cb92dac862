// SectorMask: the per-page bitmaps of 512-byte sectors (valid and dirty), as FreeBSD keeps them.
//
// Locking: stateless; callers hold what guards the bitmaps they pass (FrameMetadata's legend).
// A page has at most 64 KiB / 512 = 128 sectors, so one UInt128 holds a page's bitmap.

using System.Diagnostics;

namespace Quire.Frames;

internal static class SectorMask
{
    public const int SectorShift = 9;
    public const int SectorSize = 1 << SectorShift;

    /// <summary>The bitmap with every sector of a page of <paramref name="pageSize"/> bytes set.</summary>
    public static UInt128 Full(int pageSize) => Range(0, pageSize >> SectorShift);

    /// <summary>The sectors touched by bytes [byteOffset, byteOffset + byteCount) of a page.</summary>
    public static UInt128 Touched(int byteOffset, int byteCount)
    {
        if (byteCount == 0)
        {
            return UInt128.Zero;
        }

        int first = byteOffset >> SectorShift;
        int end = (byteOffset + byteCount + SectorSize - 1) >> SectorShift;
        return Range(first, end - first);
    }

    /// <summary>The sectors wholly inside bytes [byteOffset, byteOffset + byteCount) of a page.</summary>
    public static UInt128 Covered(int byteOffset, int byteCount)
    {
        int first = (byteOffset + SectorSize - 1) >> SectorShift;
        int end = (byteOffset + byteCount) >> SectorShift;
        return end > first ? Range(first, end - first) : UInt128.Zero;
    }

    /// <summary>The bitmap of <paramref name="count"/> sectors starting at sector <paramref name="first"/>.</summary>
    public static UInt128 Range(int first, int count)
    {
        Debug.Assert(first >= 0 && count >= 0 && first + count <= 128, "A sector range lies within one page.");
        if (count == 0)
        {
            return UInt128.Zero;
        }

        UInt128 bits = count == 128 ? UInt128.MaxValue : (UInt128.One << count) - UInt128.One;
        return bits << first;
    }

    /// <summary>Whether every sector in <paramref name="required"/> is in <paramref name="present"/>.</summary>
    public static bool Contains(UInt128 present, UInt128 required) => (present & required) == required;

    /// <summary>
    /// Finds the next run of set bits at or after sector <paramref name="from"/>; returns false when none is left.
    /// </summary>
    public static bool NextRun(UInt128 bits, int from, int sectorCount, out int first, out int count)
    {
        int index = from;
        while (index < sectorCount && !IsSet(bits, index))
        {
            index++;
        }

        first = index;
        while (index < sectorCount && IsSet(bits, index))
        {
            index++;
        }

        count = index - first;
        return count > 0;
    }

    public static bool IsSet(UInt128 bits, int sector) => ((bits >> sector) & UInt128.One) != UInt128.Zero;
}
