// Proves the sector bitmaps mark exactly the 512-byte sectors a byte range touches or covers,
// by hand-picked edges (empty ranges, sector boundaries, the 128th sector) and by an FsCheck
// property that compares each bit with the sector's overlap computed byte by byte.

using FsCheck;
using FsCheck.Fluent;
using Quire.Frames;

namespace Quire.Tests.Frames;

public sealed class SectorMaskTests
{
    [Fact]
    public void FullSetsOneBitPerSectorOfThePage()
    {
        Assert.Equal((UInt128)0xFF, SectorMask.Full(4096));
        Assert.Equal((UInt128)ulong.MaxValue, SectorMask.Full(32768));
        Assert.Equal(UInt128.MaxValue, SectorMask.Full(65536));
    }

    [Theory]
    [InlineData(0, 0, 0, 0)]
    [InlineData(0, 1, 0, 1)]
    [InlineData(511, 1, 0, 1)]
    [InlineData(511, 2, 0, 2)]
    [InlineData(512, 512, 1, 1)]
    [InlineData(100, 3996, 0, 8)]
    [InlineData(4095, 1, 7, 1)]
    [InlineData(4095, 2, 7, 2)]
    public void TouchedMarksEverySectorTheRangeOverlaps(int byteOffset, int byteCount, int firstSector, int sectorCount)
    {
        Assert.Equal(SectorMask.Range(firstSector, sectorCount), SectorMask.Touched(byteOffset, byteCount));
    }

    [Theory]
    [InlineData(0, 0, 0, 0)]
    [InlineData(0, 511, 0, 0)]
    [InlineData(0, 512, 0, 1)]
    [InlineData(1, 1023, 1, 1)]
    [InlineData(1, 1022, 0, 0)]
    [InlineData(512, 1024, 1, 2)]
    [InlineData(0, 4096, 0, 8)]
    [InlineData(100, 4000, 1, 7)]
    public void CoveredMarksOnlySectorsWhollyInsideTheRange(int byteOffset, int byteCount, int firstSector, int sectorCount)
    {
        Assert.Equal(SectorMask.Range(firstSector, sectorCount), SectorMask.Covered(byteOffset, byteCount));
    }

    [Fact]
    public void RangeReachesTheLastOfOneHundredTwentyEightSectors()
    {
        Assert.Equal(UInt128.Zero, SectorMask.Range(5, 0));
        Assert.Equal(UInt128.MaxValue, SectorMask.Range(0, 128));
        Assert.Equal(UInt128.One << 127, SectorMask.Range(127, 1));
        Assert.True(SectorMask.IsSet(SectorMask.Range(127, 1), 127));
        Assert.False(SectorMask.IsSet(SectorMask.Range(127, 1), 126));
    }

    [Fact]
    public void ContainsRequiresEveryRequiredSector()
    {
        UInt128 present = SectorMask.Range(2, 4);

        Assert.True(SectorMask.Contains(present, SectorMask.Range(3, 2)));
        Assert.True(SectorMask.Contains(present, UInt128.Zero));
        Assert.False(SectorMask.Contains(present, SectorMask.Range(1, 2)));
        Assert.False(SectorMask.Contains(UInt128.Zero, SectorMask.Range(0, 1)));
    }

    [Fact]
    public void NextRunFindsEachRunOfSetBitsInOrder()
    {
        UInt128 bits = SectorMask.Range(0, 2) | SectorMask.Range(5, 1) | SectorMask.Range(120, 8);
        var runs = new List<(int, int)>();
        int from = 0;
        while (SectorMask.NextRun(bits, from, 128, out int first, out int count))
        {
            runs.Add((first, count));
            from = first + count;
        }

        Assert.Equal([(0, 2), (5, 1), (120, 8)], runs);
    }

    [Fact]
    public void NextRunStopsAtTheSectorCount()
    {
        UInt128 bits = SectorMask.Range(6, 4);

        Assert.True(SectorMask.NextRun(bits, 0, 8, out int first, out int count));
        Assert.Equal((6, 2), (first, count));
        Assert.False(SectorMask.NextRun(bits, 8, 8, out _, out _));
        Assert.False(SectorMask.NextRun(UInt128.Zero, 0, 128, out _, out _));
    }

    [Fact]
    public void TouchedAndCoveredAgreeWithAByteByByteOverlapOnAnyPageSize()
    {
        Gen<(int Offset, int Count)> ranges =
            from offset in Gen.Choose(0, 65536)
            from count in Gen.Choose(0, 65536 - offset)
            select (offset, count);
        Check.One(
            Config.QuickThrowOnFailure.WithQuietOnSuccess(true).WithMaxTest(300),
            Prop.ForAll(ranges.ToArbitrary(), range =>
            {
                UInt128 touched = SectorMask.Touched(range.Offset, range.Count);
                UInt128 covered = SectorMask.Covered(range.Offset, range.Count);
                int end = range.Offset + range.Count;
                for (int sector = 0; sector < 128; sector++)
                {
                    int sectorStart = sector * SectorMask.SectorSize;
                    int sectorEnd = sectorStart + SectorMask.SectorSize;
                    bool overlaps = range.Count > 0 && sectorStart < end && range.Offset < sectorEnd;
                    bool inside = sectorStart >= range.Offset && sectorEnd <= end;
                    Assert.True(overlaps == SectorMask.IsSet(touched, sector), $"touched sector {sector} of {range}");
                    Assert.True(inside == SectorMask.IsSet(covered, sector), $"covered sector {sector} of {range}");
                }

                Assert.True(SectorMask.Contains(touched, covered), $"covered within touched for {range}");
            }));
    }
}
