// CacheLog: decides which of the cache's events reach the ILogger of PageCacheOptions.Logger:
// write and flush failures, writeback retries, the onset of throttling, the latched failures
// that stop the cache writing, and the saves and reloads of the resident set (warm restart).
// Each kind that can storm has its own rate limit, so a storm of one kind hides neither the others
// nor its own count.
//
// Locking: the limiters lock on their own; _lastThrottlePause is atomic. Called only on error
// and throttle paths, never on the hit path; with no logger (or the level off) every method
// returns after one check.

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Quire.Metrics;

internal sealed class CacheLog
{
    /// <summary>5 s: a pause after this long without one starts a new episode of throttling.</summary>
    public static readonly TimeSpan ThrottleQuietTime = TimeSpan.FromSeconds(5);

    private const long NeverPaused = long.MinValue;

    private readonly ILogger _logger; // (I)
    private readonly TimeProvider _timeProvider; // (I)
    private readonly LogRateLimiter _writeFailures; // (I)
    private readonly LogRateLimiter _flushFailures; // (I)
    private readonly LogRateLimiter _retries; // (I)
    private readonly LogRateLimiter _throttling; // (I)
    private long _lastThrottlePause = NeverPaused; // (A) timestamp of the last throttle pause

    public CacheLog(ILogger? logger, TimeProvider timeProvider)
        : this(logger, timeProvider, LogRateLimiter.DefaultMaxMessages, LogRateLimiter.DefaultWindow)
    {
    }

    public CacheLog(ILogger? logger, TimeProvider timeProvider, int maxMessages, TimeSpan window)
    {
        _logger = logger ?? NullLogger.Instance;
        _timeProvider = timeProvider;
        _writeFailures = new LogRateLimiter(timeProvider, maxMessages, window);
        _flushFailures = new LogRateLimiter(timeProvider, maxMessages, window);
        _retries = new LogRateLimiter(timeProvider, maxMessages, window);
        _throttling = new LogRateLimiter(timeProvider, maxMessages, window);
    }

    /// <summary>A log that writes nothing, for caches and tests without a logger.</summary>
    public static CacheLog Disabled { get; } = new(null, TimeProvider.System);

    /// <summary>A write to a store failed; its pages stay dirty.</summary>
    public void WriteFailed(string fileName, long fileOffset, long byteCount, Exception exception)
    {
        if (Admit(LogLevel.Warning, _writeFailures, nameof(Log.WriteFailed)))
        {
            Log.WriteFailed(_logger, fileName, fileOffset, byteCount, exception);
        }
    }

    /// <summary>A durable flush of a store failed; its unsynced pages are dirty again.</summary>
    public void FlushFailed(string fileName, Exception exception)
    {
        if (Admit(LogLevel.Warning, _flushFailures, nameof(Log.FlushFailed)))
        {
            Log.FlushFailed(_logger, fileName, exception);
        }
    }

    /// <summary>The page writer failed to write back a file and will retry it.</summary>
    public void WritebackRetrying(string fileName, Exception exception)
    {
        if (Admit(LogLevel.Warning, _retries, nameof(Log.WritebackRetrying)))
        {
            Log.WritebackRetrying(_logger, fileName, exception);
        }
    }

    /// <summary>A writer was paused by dirty throttling; the first pause after a quiet time is logged.</summary>
    public void ThrottlePaused(int pagesToWrite, int dirtyLimitPages)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        long now = _timeProvider.GetTimestamp();
        long previous = Interlocked.Exchange(ref _lastThrottlePause, now);
        bool onset = previous == NeverPaused || _timeProvider.GetElapsedTime(previous, now) >= ThrottleQuietTime;
        if (onset && Admit(LogLevel.Information, _throttling, nameof(Log.ThrottlingStarted)))
        {
            Log.ThrottlingStarted(_logger, pagesToWrite, dirtyLimitPages);
        }
    }

    /// <summary>An always-on check failed and latched the cache: logged once, as it happens once.</summary>
    public void CacheLatched(Exception failure) => Log.CacheLatched(_logger, failure.Message, failure);

    /// <summary>The page writer's thread caught a failure and stopped: logged once, as it happens once.</summary>
    public void PageWriterStopped(Exception failure) => Log.PageWriterStopped(_logger, failure);

    /// <summary>A saved resident set was missing nothing but was unreadable, truncated or corrupt: ignored. Rare (once per prewarm): not rate limited.</summary>
    public void ResidentSetIgnored(string path, string reason) => Log.ResidentSetIgnored(_logger, path, reason);

    /// <summary>A save of the resident set failed; the previous file stays. At most once per save interval: not rate limited.</summary>
    public void ResidentSetSaveFailed(string path, Exception exception) => Log.ResidentSetSaveFailed(_logger, path, exception);

    /// <summary>A prewarm ended: what it read and skipped.</summary>
    public void PrewarmFinished(string path, long pageCount, int fileCount, int changedCount, int missingCount, bool poolFull) =>
        Log.PrewarmFinished(_logger, path, pageCount, fileCount, changedCount, missingCount, poolFull);

    /// <summary>The prewarm's close of a file found data others wrote that could not be made durable.</summary>
    public void PrewarmCloseFailed(string fileName, Exception exception)
    {
        if (Admit(LogLevel.Warning, _flushFailures, nameof(Log.PrewarmCloseFailed)))
        {
            Log.PrewarmCloseFailed(_logger, fileName, exception);
        }
    }

    private bool Admit(LogLevel level, LogRateLimiter limiter, string eventName)
    {
        if (!_logger.IsEnabled(level) || !limiter.TryAcquire(out long suppressed))
        {
            return false;
        }

        if (suppressed > 0)
        {
            Log.MessagesSuppressed(_logger, suppressed, eventName, limiter.MaxMessages, limiter.Window);
        }

        return true;
    }
}
