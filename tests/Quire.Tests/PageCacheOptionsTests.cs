// Proves every option has its documented default, every bad value is refused when set with an
// ArgumentOutOfRangeException (ArgumentNullException for the clock) that names the property,
// and settings that do not fit together are refused when the cache is created, naming the
// property to change. Good values at the edges are accepted.

namespace Quire.Tests;

public sealed class PageCacheOptionsTests
{
    [Fact]
    public void DefaultsAreTheDocumentedOnes()
    {
        var options = new PageCacheOptions();

        Assert.Equal(64L << 20, options.MemoryLimitBytes);
        Assert.Equal(4096, options.PageSize);
        Assert.Equal(-1, options.MinFreeFrames);
        Assert.Equal(1 << 20, options.MaxReadAheadBytes);
        Assert.Equal(1 << 20, options.MaxClusterBytes);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MaxFrameWait);
        Assert.Equal(TimeSpan.FromSeconds(60), options.MaxPageWait);
        Assert.False(options.UseDirectIO);
        Assert.Same(TimeProvider.System, options.TimeProvider);
        Assert.Equal(0.10, options.BackgroundDirtyRatio);
        Assert.Equal(0.20, options.DirtyRatio);
        Assert.Equal(0, options.BackgroundDirtyBytes);
        Assert.Equal(0, options.DirtyBytes);
        Assert.Equal(TimeSpan.FromSeconds(5), options.WritebackInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.DirtyExpire);
        Assert.False(options.LaptopMode);
        Assert.Equal(128, options.MaxWritesInFlight);
        Assert.Equal(TimeSpan.FromSeconds(60), options.MaxWritebackStall);
        Assert.True(options.StartPageWriter);
        Assert.True(options.LockFiles);
        Assert.Null(options.ResidentSetPath);
        Assert.Equal(TimeSpan.FromMinutes(5), options.ResidentSetSaveInterval);
        Assert.True(options.PrewarmAtStart);
        Assert.Equal(10_000, options.MaxPrewarmReadsPerSecond);
        Assert.Equal(16384, options.FrameCount);
        Assert.Equal(256, new CacheLimits(options).ReserveFrames);
    }

    [Fact]
    public void LimitsAreTheDocumentedOnes()
    {
        Assert.Equal(4096, PageCacheOptions.MinPageSize);
        Assert.Equal(65536, PageCacheOptions.MaxPageSize);
        Assert.Equal(8, PageCacheOptions.MinFrameCount);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(0L)]
    [InlineData(8 * 4096L - 1)]
    [InlineData(long.MinValue)]
    public void MemoryLimitBelowEightSmallPagesIsRefused(long bytes)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { MemoryLimitBytes = bytes });

        Assert.Equal(nameof(PageCacheOptions.MemoryLimitBytes), error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4096)]
    [InlineData(2048)]
    [InlineData(4095)]
    [InlineData(6144)]
    [InlineData(12288)]
    [InlineData(131072)]
    [InlineData(int.MaxValue)]
    public void PageSizeThatIsNotAPowerOfTwoFrom4KiBTo64KiBIsRefused(int pageSize)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { PageSize = pageSize });

        Assert.Equal(nameof(PageCacheOptions.PageSize), error.ParamName);
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(8192)]
    [InlineData(16384)]
    [InlineData(32768)]
    [InlineData(65536)]
    public void PowerOfTwoPageSizesFrom4KiBTo64KiBAreAccepted(int pageSize)
    {
        var options = new PageCacheOptions { PageSize = pageSize, MemoryLimitBytes = 16L * pageSize, MaxClusterBytes = pageSize };

        using var cache = new PageCache(options);

        Assert.Equal(pageSize, cache.PageSize);
        Assert.Equal(16, cache.GetStatistics().FrameCount);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(int.MinValue)]
    public void MinFreeFramesBelowMinusOneIsRefused(int frames)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { MinFreeFrames = frames });

        Assert.Equal(nameof(PageCacheOptions.MinFreeFrames), error.ParamName);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void NegativeReadAheadIsRefused(int bytes)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { MaxReadAheadBytes = bytes });

        Assert.Equal(nameof(PageCacheOptions.MaxReadAheadBytes), error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(4095)]
    public void ClusterSmallerThanTheSmallestPageIsRefused(int bytes)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { MaxClusterBytes = bytes });

        Assert.Equal(nameof(PageCacheOptions.MaxClusterBytes), error.ParamName);
    }

    [Fact]
    public void NegativeFrameWaitIsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { MaxFrameWait = TimeSpan.FromTicks(-1) });
        var infinite = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { MaxFrameWait = Timeout.InfiniteTimeSpan });

        Assert.Equal(nameof(PageCacheOptions.MaxFrameWait), error.ParamName);
        Assert.Equal(nameof(PageCacheOptions.MaxFrameWait), infinite.ParamName);
    }

    [Fact]
    public void NegativePageWaitIsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { MaxPageWait = TimeSpan.FromMilliseconds(-5) });
        var infinite = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { MaxPageWait = Timeout.InfiniteTimeSpan });

        Assert.Equal(nameof(PageCacheOptions.MaxPageWait), error.ParamName);
        Assert.Equal(nameof(PageCacheOptions.MaxPageWait), infinite.ParamName);
    }

    [Fact]
    public void NullClockIsRefused()
    {
        var error = Assert.Throws<ArgumentNullException>(() => new PageCacheOptions { TimeProvider = null! });

        Assert.Equal(nameof(PageCacheOptions.TimeProvider), error.ParamName);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.0001)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void RatioOutsideZeroToOneIsRefused(double ratio)
    {
        var background = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { BackgroundDirtyRatio = ratio });
        var limit = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { DirtyRatio = ratio });

        Assert.Equal(nameof(PageCacheOptions.BackgroundDirtyRatio), background.ParamName);
        Assert.Equal(nameof(PageCacheOptions.DirtyRatio), limit.ParamName);
    }

    [Fact]
    public void NegativeDirtyBytesAreRefused()
    {
        var background = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { BackgroundDirtyBytes = -1 });
        var limit = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { DirtyBytes = -1 });

        Assert.Equal(nameof(PageCacheOptions.BackgroundDirtyBytes), background.ParamName);
        Assert.Equal(nameof(PageCacheOptions.DirtyBytes), limit.ParamName);
    }

    [Fact]
    public void WritebackIntervalMustBePositive()
    {
        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { WritebackInterval = TimeSpan.Zero });
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { WritebackInterval = TimeSpan.FromSeconds(-1) });

        Assert.Equal(nameof(PageCacheOptions.WritebackInterval), zero.ParamName);
        Assert.Equal(nameof(PageCacheOptions.WritebackInterval), negative.ParamName);
    }

    [Fact]
    public void NegativeDirtyExpireIsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { DirtyExpire = TimeSpan.FromTicks(-1) });

        Assert.Equal(nameof(PageCacheOptions.DirtyExpire), error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(257)]
    public void WritesInFlightOutsideOneTo256AreRefused(int writes)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { MaxWritesInFlight = writes });

        Assert.Equal(nameof(PageCacheOptions.MaxWritesInFlight), error.ParamName);
    }

    [Fact]
    public void WritebackStallMustBePositive()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCacheOptions { MaxWritebackStall = TimeSpan.Zero });

        Assert.Equal(nameof(PageCacheOptions.MaxWritebackStall), error.ParamName);
    }

    [Fact]
    public void BackgroundThresholdNotBelowTheDirtyLimitIsRefusedWhenTheCacheIsCreated()
    {
        var ratios = new PageCacheOptions { MemoryLimitBytes = 100 * 4096, BackgroundDirtyRatio = 0.5, DirtyRatio = 0.5 };
        var bytes = new PageCacheOptions { MemoryLimitBytes = 100 * 4096, BackgroundDirtyBytes = 40 * 4096, DirtyBytes = 20 * 4096 };

        Assert.Equal(nameof(PageCacheOptions.BackgroundDirtyRatio), Assert.Throws<ArgumentOutOfRangeException>(() => new PageCache(ratios)).ParamName);
        Assert.Equal(nameof(PageCacheOptions.BackgroundDirtyBytes), Assert.Throws<ArgumentOutOfRangeException>(() => new PageCache(bytes)).ParamName);
    }

    [Fact]
    public void ValuesAtTheEdgesAreAccepted()
    {
        var options = new PageCacheOptions
        {
            MemoryLimitBytes = 16 * 4096,
            MinFreeFrames = 0,
            BackgroundDirtyRatio = 0.01,
            DirtyRatio = 1.0,
            DirtyExpire = TimeSpan.Zero,
            WritebackInterval = TimeSpan.FromTicks(1),
            MaxWritesInFlight = 64,
            MaxWritebackStall = TimeSpan.FromTicks(1),
            LaptopMode = true,
            StartPageWriter = false,
            MaxReadAheadBytes = 0,
            MaxClusterBytes = 4096,
            MaxFrameWait = TimeSpan.Zero,
            MaxPageWait = TimeSpan.Zero,
            UseDirectIO = true,
        };

        using var cache = new PageCache(options);

        Assert.Equal(16, options.FrameCount);
        Assert.Equal(0, new CacheLimits(options).ReserveFrames);
        Assert.Same(options, cache.Options);
    }

    [Fact]
    public void MemoryLimitIsRoundedDownToWholePages()
    {
        var options = new PageCacheOptions { MemoryLimitBytes = (10 * 4096) + 4095 };

        Assert.Equal(10, options.FrameCount);
    }

    [Theory]
    [InlineData(64, 4)]
    [InlineData(256, 4)]
    [InlineData(1024, 16)]
    [InlineData(16384, 256)]
    public void DefaultReserveIsOneSixtyFourthOfThePoolAtLeastFour(int frameCount, int reserve)
    {
        var options = new PageCacheOptions { MemoryLimitBytes = frameCount * 4096L };

        Assert.Equal(reserve, new CacheLimits(options).ReserveFrames);
    }

    [Fact]
    public void PoolTooSmallForItsPageSizeIsRefusedWhenTheCacheIsCreated()
    {
        var options = new PageCacheOptions { PageSize = 65536, MemoryLimitBytes = 7 * 65536L, MaxClusterBytes = 65536 };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCache(options));

        Assert.Equal(nameof(PageCacheOptions.MemoryLimitBytes), error.ParamName);
    }

    [Fact]
    public void ReserveOfMoreThanHalfThePoolIsRefusedWhenTheCacheIsCreated()
    {
        var options = new PageCacheOptions { MemoryLimitBytes = 16 * 4096, MinFreeFrames = 9 };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCache(options));

        Assert.Equal(nameof(PageCacheOptions.MinFreeFrames), error.ParamName);
    }

    [Fact]
    public void ReserveOfHalfThePoolIsAccepted()
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 16 * 4096, MinFreeFrames = 8 });

        Assert.Equal(16, cache.GetStatistics().FreeFrames);
    }

    [Fact]
    public void ClusterSmallerThanThePageIsRefusedWhenTheCacheIsCreated()
    {
        var options = new PageCacheOptions { PageSize = 8192, MemoryLimitBytes = 16 * 8192, MaxClusterBytes = 4096 };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PageCache(options));

        Assert.Equal(nameof(PageCacheOptions.MaxClusterBytes), error.ParamName);
    }
}
