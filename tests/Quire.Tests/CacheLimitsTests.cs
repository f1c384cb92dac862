// The limits a cache runs by are resolved once from its options (CacheLimits): for every
// combination of options the cache accepts they keep their invariants, and the cache reports the
// thresholds it was built with.

using FsCheck;
using FsCheck.Fluent;

namespace Quire.Tests;

public sealed class CacheLimitsTests
{
    [Fact]
    public void EveryAcceptedCombinationResolvesToLimitsThatFitTogether()
    {
        Gen<(int Frames, int PageSize, int BackgroundPerMille, int LimitPerMille, int Reserve)> settings =
            from frames in Gen.Choose(8, 70_000)
            from pageSize in Gen.Elements(4096, 8192, 65536)
            from backgroundPerMille in Gen.Choose(1, 1000)
            from limitPerMille in Gen.Choose(1, 1000)
            from reserve in Gen.Choose(-1, 64)
            select (frames, pageSize, backgroundPerMille, limitPerMille, reserve);
        Prop.ForAll(
            settings.ToArbitrary(),
            ((int Frames, int PageSize, int BackgroundPerMille, int LimitPerMille, int Reserve) s) =>
            {
                (int frames, int pageSize, int backgroundPerMille, int limitPerMille, int reserve) = s;
                PageCacheOptions options;
                try
                {
                    options = new PageCacheOptions
                    {
                        MemoryLimitBytes = (long)frames * pageSize,
                        PageSize = pageSize,
                        BackgroundDirtyRatio = backgroundPerMille / 1000.0,
                        DirtyRatio = limitPerMille / 1000.0,
                        MinFreeFrames = reserve,
                        MaxClusterBytes = Math.Max(pageSize, 1 << 20),
                    };
                    options.Validate();
                }
                catch (ArgumentOutOfRangeException)
                {
                    return true; // refused with a named property: nothing to resolve
                }

                var limits = new CacheLimits(options);
                return 1 <= limits.BackgroundDirtyPages
                    && limits.BackgroundDirtyPages < limits.DirtyLimitPages
                    && limits.DirtyLimitPages <= Math.Max(2, limits.FrameCount)
                    && limits.BackgroundDirtyPages < limits.FreerunPages + 1
                    && limits.FreerunPages < limits.DirtyLimitPages
                    && limits.ReserveFrames <= limits.FrameCount / 2
                    && limits.UnsyncedBoundPages >= limits.DirtyLimitPages
                    && limits.SyncStartPages is >= 1 && limits.SyncStartPages < limits.UnsyncedBoundPages + 1
                    && limits.MaxAtomicWritePages >= 1 && limits.MaxAtomicWritePages <= Math.Max(1, limits.FrameCount - limits.ReserveFrames - 2)
                    && limits.MaxReadAheadPages >= 1 && limits.MaxReadAheadPages <= Math.Max(1, (limits.FrameCount - limits.ReserveFrames) / 4)
                    && limits.MinBackgroundRunPages >= 1 && limits.MinBackgroundRunPages <= limits.MaxClusterPages
                    && limits.PagesPerSoloTurn >= limits.DirtyLimitPages;
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void TheDefaultsAreLinuxsRatiosOfThePool()
    {
        var options = new PageCacheOptions { MemoryLimitBytes = 64L << 20 }; // 16,384 frames of 4 KiB

        var limits = new CacheLimits(options);

        Assert.Equal(16_384, limits.FrameCount);
        Assert.Equal(256, limits.ReserveFrames); // 1/64 of the pool
        Assert.Equal(1638, limits.BackgroundDirtyPages); // 10 %
        Assert.Equal(3276, limits.DirtyLimitPages); // 20 %
        Assert.Equal((1638 + 3276) / 2, limits.FreerunPages);
        Assert.Equal(256, limits.MaxClusterPages); // 1 MiB
        Assert.Equal(256, limits.MaxReadAheadPages);
        Assert.Equal(1024, limits.MaxAtomicWritePages);
        Assert.Equal(1638, limits.SyncStartPages);
        Assert.Equal((16_384 - 3276) / 2, limits.UnsyncedBoundPages);
        Assert.Equal(128, limits.MinBackgroundRunPages);
        Assert.Equal(128, limits.MaxWritesInFlight);
    }

    [Fact]
    public void TheCacheReportsTheThresholdsItResolved()
    {
        var options = new PageCacheOptions { MemoryLimitBytes = 4L << 20, BackgroundDirtyBytes = 256 << 10, DirtyBytes = 1 << 20, StartPageWriter = false };
        using var cache = new PageCache(options);

        PageCacheStatistics statistics = cache.GetStatistics();

        Assert.Equal(64, statistics.BackgroundThresholdPages);
        Assert.Equal(256, statistics.DirtyLimitPages);
    }
}
