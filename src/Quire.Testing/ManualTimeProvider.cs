// ManualTimeProvider: a clock that moves only when the test says, with timers that fire when it
// passes their due time.
//
// Locking: _lock guards the time and the timer list; callbacks run outside it, on the thread that
// advanced the clock.
// Invariants: every timer on _timers is due strictly after the current time.

namespace Quire.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose time moves only through <see cref="Advance"/>, so that
/// writeback expiry, back-off, throttling and stall timeouts are deterministic under test. Pass it
/// as <see cref="PageCacheOptions.TimeProvider"/>.
/// </summary>
/// <remarks>
/// Timers fire synchronously on the thread that calls <see cref="Advance"/>, in due order; a
/// periodic timer fires at most once per call. All members are thread-safe.
/// </remarks>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = []; // (_lock)
    private readonly DateTimeOffset _start;
    private long _ticks; // (_lock)

    /// <summary>Creates a clock whose wall-clock time starts at <paramref name="start"/> (default 2026-01-01 UTC).</summary>
    public ManualTimeProvider(DateTimeOffset? start = null) =>
        _start = start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>How far the clock has been advanced since it was created.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(GetTimestamp());

    /// <inheritdoc/>
    public override long GetTimestamp()
    {
        lock (_lock)
        {
            return _ticks;
        }
    }

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _start.AddTicks(GetTimestamp());

    /// <summary>Moves the clock forward by <paramref name="by"/> and fires every timer that comes due.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="by"/> is negative.</exception>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        List<ManualTimer> due;
        lock (_lock)
        {
            _ticks += by.Ticks;
            due = [.. _timers.Where(t => t.DueTicks <= _ticks).OrderBy(t => t.DueTicks)];
            foreach (ManualTimer timer in due)
            {
                _timers.Remove(timer);
            }
        }

        foreach (ManualTimer timer in due)
        {
            timer.Fire();
        }
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Schedule(ManualTimer timer, TimeSpan dueTime)
    {
        bool fireNow;
        lock (_lock)
        {
            _timers.Remove(timer);
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return;
            }

            timer.DueTicks = _ticks + dueTime.Ticks;
            fireNow = dueTime <= TimeSpan.Zero;
            if (!fireNow)
            {
                _timers.Add(timer);
            }
        }

        if (fireNow)
        {
            timer.Fire();
        }
    }

    private void Cancel(ManualTimer timer)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan; // (owner's lock for scheduling; set by Change)
        private bool _disposed;

        public long DueTicks { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed)
            {
                return false;
            }

            _period = period;
            owner.Schedule(this, dueTime);
            return true;
        }

        public void Fire()
        {
            if (_disposed)
            {
                return;
            }

            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                owner.Schedule(this, _period);
            }

            callback(state);
        }

        public void Dispose()
        {
            _disposed = true;
            owner.Cancel(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
