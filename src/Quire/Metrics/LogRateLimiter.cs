// LogRateLimiter: at most MaxMessages messages of one kind per window, counting the rest, so an
// error storm (a dead disk failing every write of every retry) cannot flood the log; the count
// suppressed is reported with the first message of the next window (Linux's printk_ratelimit).
//
// Locking: _lock guards the window state; taken only on paths that are already logging an error
// or a pause, never on the hit path.
// Invariants: 0 <= _messagesInWindow <= MaxMessages.

using System.Diagnostics;

namespace Quire.Metrics;

internal sealed class LogRateLimiter
{
    /// <summary>10 messages per window: Linux's DEFAULT_RATELIMIT_BURST.</summary>
    public const int DefaultMaxMessages = 10;

    /// <summary>5 s: Linux's DEFAULT_RATELIMIT_INTERVAL.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider; // (I)
    private bool _started; // (L)
    private long _windowStart; // (L) timestamp of the window's first message
    private int _messagesInWindow; // (L)
    private long _suppressed; // (L) messages refused since the last report

    public LogRateLimiter(TimeProvider timeProvider, int maxMessages, TimeSpan window)
    {
        Debug.Assert(maxMessages > 0, "A limiter lets some messages through.");
        Debug.Assert(window > TimeSpan.Zero, "A window has a length.");
        _timeProvider = timeProvider;
        MaxMessages = maxMessages;
        Window = window;
    }

    public int MaxMessages { get; }

    public TimeSpan Window { get; }

    /// <summary>
    /// Whether a message may be written now. When it may and earlier messages were refused,
    /// <paramref name="suppressedCount"/> says how many, for the caller to report first.
    /// </summary>
    public bool TryAcquire(out long suppressedCount)
    {
        suppressedCount = 0;
        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            if (!_started || _timeProvider.GetElapsedTime(_windowStart, now) >= Window)
            {
                _started = true;
                _windowStart = now;
                _messagesInWindow = 0;
            }

            if (_messagesInWindow == MaxMessages)
            {
                _suppressed++;
                return false;
            }

            _messagesInWindow++;
            suppressedCount = _suppressed;
            _suppressed = 0;
            Debug.Assert(_messagesInWindow <= MaxMessages, "A window holds at most MaxMessages messages.");
            return true;
        }
    }
}
