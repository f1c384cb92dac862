// Log: every message the cache logs, defined once with [LoggerMessage] so the source generator
// writes allocation-free, level-checked logging methods. The event ids are stable: tools filter
// on them. CacheLog decides when a message is written (rate limits, onset detection).
//
// The class is partial only because the source generator supplies the method bodies.
//
// Locking: stateless.

using Microsoft.Extensions.Logging;

namespace Quire.Metrics;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "WriteFailed", Level = LogLevel.Warning,
        Message = "Writing {ByteCount} bytes at file offset {FileOffset} of '{FileName}' failed; the pages stay dirty and are written again later.")]
    public static partial void WriteFailed(ILogger logger, string fileName, long fileOffset, long byteCount, Exception exception);

    [LoggerMessage(EventId = 2, EventName = "FlushFailed", Level = LogLevel.Warning,
        Message = "Making '{FileName}' durable failed; its pages written since the last durable flush are dirty again and are written again later.")]
    public static partial void FlushFailed(ILogger logger, string fileName, Exception exception);

    [LoggerMessage(EventId = 3, EventName = "WritebackRetrying", Level = LogLevel.Warning,
        Message = "The page writer could not write back '{FileName}'; it retries after a back-off.")]
    public static partial void WritebackRetrying(ILogger logger, string fileName, Exception exception);

    [LoggerMessage(EventId = 4, EventName = "ThrottlingStarted", Level = LogLevel.Information,
        Message = "Writers are being throttled: {PagesToWrite} pages are dirty or under writeback against a dirty limit of {DirtyLimitPages}; writes now proceed at the speed of the device.")]
    public static partial void ThrottlingStarted(ILogger logger, int pagesToWrite, int dirtyLimitPages);

    [LoggerMessage(EventId = 5, EventName = "CacheLatched", Level = LogLevel.Critical,
        Message = "An internal check failed and the cache stopped writing to every backing store: {Reason}")]
    public static partial void CacheLatched(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 6, EventName = "PageWriterStopped", Level = LogLevel.Critical,
        Message = "The page writer stopped after an internal failure; flushes report it from now on.")]
    public static partial void PageWriterStopped(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7, EventName = "MessagesSuppressed", Level = LogLevel.Warning,
        Message = "{SuppressedCount} '{EventName}' messages were suppressed by the rate limit of {MaxMessages} per {Window}.")]
    public static partial void MessagesSuppressed(ILogger logger, long suppressedCount, string eventName, int maxMessages, TimeSpan window);

    [LoggerMessage(EventId = 8, EventName = "ResidentSetIgnored", Level = LogLevel.Warning,
        Message = "The saved resident set '{Path}' is ignored: {Reason}. The cache starts cold.")]
    public static partial void ResidentSetIgnored(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 9, EventName = "ResidentSetSaveFailed", Level = LogLevel.Warning,
        Message = "Saving the resident set to '{Path}' failed; the file saved before stays.")]
    public static partial void ResidentSetSaveFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 10, EventName = "PrewarmFinished", Level = LogLevel.Information,
        Message = "Prewarm from '{Path}' read {PageCount} pages of {FileCount} files; skipped {ChangedCount} changed and {MissingCount} missing files; stopped at a full pool: {PoolFull}.")]
    public static partial void PrewarmFinished(ILogger logger, string path, long pageCount, int fileCount, int changedCount, int missingCount, bool poolFull);

    [LoggerMessage(EventId = 11, EventName = "PrewarmCloseFailed", Level = LogLevel.Warning,
        Message = "Closing '{FileName}' after its prewarm could not make data others wrote durable; its pages stay dirty and the error is reported to the next flush of the file.")]
    public static partial void PrewarmCloseFailed(ILogger logger, string fileName, Exception exception);
}
