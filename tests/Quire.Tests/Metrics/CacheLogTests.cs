// Proves the cache logs what an operator must know, and no more than a log can hold: a cache
// with a RecordingLogger and a failing store logs the failed write with file and range; a
// storm of failures under a manual clock is cut to the rate limit and the suppressed count is
// reported when the next window opens; throttling is logged at its onset only; a latched check
// is logged once as critical; and with the level off the log does no work at all.

using Microsoft.Extensions.Logging;
using Quire.Internal;
using Quire.Metrics;
using Quire.Testing;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Metrics;

public sealed class CacheLogTests
{
    private const int PageSize = QuietCaches.PageSize;

    [Fact]
    public void AFailedWriteIsLoggedWithTheFileAndRange()
    {
        var logger = new RecordingLogger();
        var options = QuietCaches.Options();
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = options.MemoryLimitBytes, StartPageWriter = false, Logger = logger });
        var store = new FaultyStore("disk.bin") { FailWritesWith = FaultyStore.EIO, FailWritesRemaining = 1 };
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(2 * PageSize, 1));

        Assert.Throws<WritebackFailedException>(file.Flush);

        RecordingLogger.LogRecord record = Assert.Single(logger.Named("WriteFailed"));
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Equal(1, record.EventId.Id);
        Assert.Contains("'disk.bin'", record.Message, StringComparison.Ordinal);
        Assert.Contains($"Writing {2 * PageSize} bytes at file offset 0", record.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(record.Exception, exactMatch: false);
    }

    [Fact]
    public void TheBackgroundPageWriterLogsItsFailuresAndRetriesWithinTheLimit()
    {
        var logger = new RecordingLogger();
        var clock = new ManualTimeProvider();
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 128 * PageSize, TimeProvider = clock, StartPageWriter = false, Logger = logger });
        var store = new FaultyStore("background.bin") { FailWritesWith = FaultyStore.EIO };
        using CachedFile file = cache.Open(store);
        file.Write(0, BytePatterns.Create(2 * PageSize, 2));

        for (int pass = 0; pass < 40; pass++)
        {
            clock.Advance(TimeSpan.FromSeconds(31)); // past expiry and any back-off
            cache.PageWriter.RunOnePass();
        }

        Assert.True(store.FailedWrites >= 40, $"The page writer tried {store.FailedWrites} times.");
        Assert.InRange(logger.Named("WriteFailed").Count, 1, store.FailedWrites);
        Assert.NotEmpty(logger.Named("WritebackRetrying"));
        Assert.All(logger.Named("WritebackRetrying"), r => Assert.Contains("'background.bin'", r.Message, StringComparison.Ordinal));

        store.FailWritesWith = 0;
        Assert.Throws<WritebackFailedException>(file.Flush); // the epoch, reported once
        file.Flush();
    }

    [Fact]
    public void AStormOfFailuresIsCutToTheRateLimitAndTheRestCounted()
    {
        var logger = new RecordingLogger();
        var time = new ManualTimeProvider();
        var log = new CacheLog(logger, time);
        var error = new IOException("EIO");

        for (int i = 0; i < 1_000; i++)
        {
            log.WriteFailed("f", i * PageSize, PageSize, error);
        }

        Assert.Equal(LogRateLimiter.DefaultMaxMessages, logger.Named("WriteFailed").Count);
        Assert.Empty(logger.Named("MessagesSuppressed"));

        time.Advance(LogRateLimiter.DefaultWindow);
        log.WriteFailed("f", 0, PageSize, error);

        RecordingLogger.LogRecord suppressed = Assert.Single(logger.Named("MessagesSuppressed"));
        Assert.Contains("990 'WriteFailed' messages were suppressed", suppressed.Message, StringComparison.Ordinal);
        Assert.Equal(LogRateLimiter.DefaultMaxMessages + 1, logger.Named("WriteFailed").Count);
    }

    [Fact]
    public void EachKindHasItsOwnRateLimit()
    {
        var logger = new RecordingLogger();
        var log = new CacheLog(logger, new ManualTimeProvider());
        for (int i = 0; i < 100; i++)
        {
            log.WriteFailed("f", 0, PageSize, new IOException());
        }

        log.FlushFailed("f", new IOException());
        log.WritebackRetrying("f", new IOException());

        Assert.Single(logger.Named("FlushFailed"));
        Assert.Single(logger.Named("WritebackRetrying"));
    }

    [Fact]
    public void ThrottlingIsLoggedAtItsOnsetOnly()
    {
        var logger = new RecordingLogger();
        var time = new ManualTimeProvider();
        var log = new CacheLog(logger, time);

        for (int i = 0; i < 50; i++)
        {
            log.ThrottlePaused(100 + i, 120);
            time.Advance(TimeSpan.FromMilliseconds(200));
        }

        RecordingLogger.LogRecord onset = Assert.Single(logger.Named("ThrottlingStarted"));
        Assert.Contains("100 pages are dirty or under writeback against a dirty limit of 120", onset.Message, StringComparison.Ordinal);

        time.Advance(CacheLog.ThrottleQuietTime);
        log.ThrottlePaused(119, 120);
        Assert.Equal(2, logger.Named("ThrottlingStarted").Count);
    }

    [Fact]
    public void ALatchedCheckIsLoggedOnceAsCritical()
    {
        var logger = new RecordingLogger();
        var log = new CacheLog(logger, new ManualTimeProvider());
        var verify = new Verify(log.CacheLatched);

        Assert.Throws<PageCacheInvariantException>(() => verify.That(false, "Frame 3 is clean before reuse."));
        Assert.Throws<PageCacheInvariantException>(() => verify.That(false, "Frame 4 is clean before reuse."));

        RecordingLogger.LogRecord record = Assert.Single(logger.Named("CacheLatched"));
        Assert.Equal(LogLevel.Critical, record.Level);
        Assert.Contains("Frame 3 is clean before reuse.", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithTheLevelOffNothingIsLoggedAndNoLimitIsUsedUp()
    {
        var logger = new RecordingLogger(LogLevel.Error);
        var time = new ManualTimeProvider();
        var log = new CacheLog(logger, time);
        for (int i = 0; i < 100; i++)
        {
            log.WriteFailed("f", 0, PageSize, new IOException());
            log.ThrottlePaused(1, 2);
        }

        Assert.Empty(logger.Records);
    }
}
