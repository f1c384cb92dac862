// DirtyThrottle: slows writers that dirty pages faster than the device writes them, the way Linux
// has since 3.2 (I/O-less balance_dirty_pages): a writer never writes back itself; it sleeps for
// a pause that paces it at the rate the device writes, the closer to the limit the slower.
//
// What is counted: pages to write, dirty + under writeback, each page once (PageTransitions), as
// Linux counts NR_FILE_DIRTY + NR_WRITEBACK. Pages written but not yet durable (unsynced) are not
// counted: they leave only through a durable flush, so counting them paced writers by the
// latency of fsync instead of the bandwidth of the device. They keep their frames until durable
// and have a bound of their own, which the page writer keeps (PageWriter).
//
// The control curve, with B the background threshold and L the dirty limit, in pages:
//   freerun  = (B + L) / 2      at or below it a writer is never paused (and is looked at only
//                                every RateLimitPages newly dirtied pages)
//   setpoint = (freerun + L) / 2
//   position = 1 + ((setpoint - dirty) / (L - setpoint))^3, clamped to [0, 2]: 2 at freerun,
//              1 at the setpoint, 0 at the limit (Linux's pos_ratio)
//   file     = a file's share of its device's recent writeout (WriteDevice, flex proportions,
//              at least a fair share) sets its own setpoint, setpoint x share; a file dirtying
//              far past it is slowed and one far below it sped up, by a factor from 1/4 to 2
//              (Linux's per-writeback position), so a file cannot take the whole budget from the
//              others. With StrictFileDirtyLimit (Linux's strictlimit) the file's data is held
//              under its share of the limit on the same cubic curve, paused even below freerun.
//   rate     = the device's dirty rate limit x position x file factor, where the dirty rate
//              limit is the device's bandwidth shared among the writers dirtying it (WriteDevice)
//   pause    = pages dirtied since the last pause / rate, at most 200 ms (Linux's MAX_PAUSE)
// Pauses are at least 10 ms, as Linux keeps its pauses above a minimum: a pause shorter than
// that is not taken, and the writer's pages are carried over until they add up to one, so a
// writer above freerun sleeps rarely and for 10-20 ms rather than for microseconds on every
// write. While a writer is paused the page writer works for it (WritebackCounts.ThrottledWriters),
// and completed writes wake it (ProgressSignal): below the limit a pause ends early once the
// data is back at freerun; at or over the limit a writer waits, up to
// 200 ms at a time, until the data drops below the limit; if the device writes nothing for
// MaxWritebackStall, it fails with WritebackStalledException.
// Margin: the limit is checked after each write batch, so the data to write exceeds it by at
// most the pages of one write (at most 4 MiB) per concurrently writing thread.
//
// Locking: none of its own; reads atomic gauges and the device's estimates (racy doubles, which
// a heuristic tolerates). Sleeps with no lock or hold; an asynchronous writer (WriteAsync) is
// paused without a thread, on the same curve (ProgressSignal.WaitAsync).

using Quire.Files;
using Quire.Internal;
using Quire.Metrics;
using Quire.Paging;

namespace Quire.Throttling;

internal sealed class DirtyThrottle : IDirtyThrottle
{
    /// <summary>Below freerun a handle is looked at every this many newly dirtied pages: keeps the write path cheap.</summary>
    public const int RateLimitPages = 32;

    /// <summary>The longest single pause: Linux's MAX_PAUSE, so a writer stays responsive.</summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(200);

    /// <summary>The shortest pause taken below the limit; shorter ones are carried over (see the file header).</summary>
    public static readonly TimeSpan MinPause = TimeSpan.FromMilliseconds(10);

    private const double MinFileFactor = 0.25; // a file far over its share still writes at a quarter of the rate
    private const double MaxFileFactor = 2; // and one far under it at most twice

    private readonly CacheCounters _counters; // (I)
    private readonly WritebackCounts _counts; // (I)
    private readonly CacheClock _clock; // (I)
    private readonly WakeSignal _writerWake; // (I)
    private readonly ProgressSignal _progress; // (I)
    private readonly int _backgroundPages; // (I)
    private readonly int _limitPages; // (I)
    private readonly TimeSpan _maxStall; // (I)
    private readonly bool _strict; // (I)
    private readonly Canaries _canaries; // (I) the planted bugs, none outside the canary tests

    public DirtyThrottle(CacheCounters counters, WritebackCounts counts, CacheClock clock, WakeSignal writerWake, ProgressSignal progress, CacheLimits limits, Canaries canaries)
    {
        _counters = counters;
        _counts = counts;
        _clock = clock;
        _writerWake = writerWake;
        _progress = progress;
        _backgroundPages = limits.BackgroundDirtyPages;
        _limitPages = limits.DirtyLimitPages;
        _maxStall = limits.MaxWritebackStall;
        _strict = limits.StrictFileDirtyLimit;
        _canaries = canaries;
    }

    /// <summary>The pages to write at or below which writers are never paused (without a strict file limit).</summary>
    public int FreerunPages => (_backgroundPages + _limitPages) / 2;

    public void OnPagesDirtied(FileObject file, HandleAccounting handle, int pagesDirtied)
    {
        if (NeedsBalance(file, handle, pagesDirtied, out int pages))
        {
            handle.PagesSinceThrottleCheck = Balance(file, handle, pages);
        }
    }

    public ValueTask OnPagesDirtiedAsync(FileObject file, HandleAccounting handle, int pagesDirtied, CancellationToken cancellationToken)
    {
        return NeedsBalance(file, handle, pagesDirtied, out int pages) ? BalanceAsync(file, handle, pages, cancellationToken) : ValueTask.CompletedTask;
    }

    /// <summary>
    /// The position ratio for <paramref name="pagesToWrite"/> cache-wide and
    /// <paramref name="filePagesToWrite"/> of a file with <paramref name="fileShare"/> of its
    /// device's writeout (see the file header); 0 at or over a limit. A pure function.
    /// </summary>
    public static double PositionRatio(int pagesToWrite, int backgroundPages, int limitPages, int filePagesToWrite, double fileShare, bool strict)
    {
        int freerun = (backgroundPages + limitPages) / 2;
        double position = Position(pagesToWrite, freerun, limitPages);
        double share = Math.Clamp(fileShare, 0, 1);
        if (strict)
        {
            double fileLimit = Math.Max(1, limitPages * share);
            return position * Position(filePagesToWrite, fileLimit * freerun / limitPages, fileLimit);
        }

        double setpoint = (freerun + limitPages) / 2.0;
        double fileSetpoint = setpoint * share;
        double span = Math.Max(RateLimitPages, limitPages * share);
        double factor = Math.Clamp(1 - ((filePagesToWrite - fileSetpoint) / span), MinFileFactor, MaxFileFactor);
        return position * factor;
    }

    /// <summary>
    /// The pause for a writer that dirtied <paramref name="pagesDirtied"/> pages, paced at
    /// <paramref name="dirtyRateLimitPagesPerSecond"/> times the position ratio (see the file header).
    /// A pure function.
    /// </summary>
    public static TimeSpan ComputePause(
        int pagesToWrite,
        int backgroundPages,
        int limitPages,
        int filePagesToWrite,
        double fileShare,
        double dirtyRateLimitPagesPerSecond,
        int pagesDirtied,
        bool strict = false)
    {
        int freerun = (backgroundPages + limitPages) / 2;
        if (pagesToWrite <= freerun && (!strict || filePagesToWrite <= freerun * Math.Clamp(fileShare, 0, 1)))
        {
            return TimeSpan.Zero;
        }

        double rate = Math.Max(1, dirtyRateLimitPagesPerSecond) * PositionRatio(pagesToWrite, backgroundPages, limitPages, filePagesToWrite, fileShare, strict);
        if (rate <= 0)
        {
            return MaxPause;
        }

        TimeSpan pause = TimeSpan.FromSeconds(pagesDirtied / rate);
        return pause > MaxPause ? MaxPause : pause;
    }

    private static double Position(double dirty, double freerun, double limit)
    {
        if (dirty >= limit)
        {
            return 0;
        }

        double setpoint = (freerun + limit) / 2;
        double span = Math.Max(1, limit - setpoint);
        double x = (setpoint - dirty) / span;
        return Math.Clamp(1 + (x * x * x), 0, 2);
    }

    /// <summary>
    /// Counts the pages and wakes the page writer above the background threshold; true when the
    /// writer must be looked at (above freerun, or a strict file limit's every RateLimitPages),
    /// with the pages to balance in <paramref name="pages"/>.
    /// </summary>
    private bool NeedsBalance(FileObject file, HandleAccounting handle, int pagesDirtied, out int pages)
    {
        file.Device.AddPagesDirtied(pagesDirtied);
        int toWrite = _counts.PagesToWrite;
        if (toWrite > _backgroundPages)
        {
            _writerWake.Set();
        }

        // At or below freerun nobody is paused; a strict file limit is looked at every RateLimitPages.
        pages = handle.PagesSinceThrottleCheck + pagesDirtied;
        if (toWrite <= FreerunPages && (!_strict || pages < RateLimitPages))
        {
            handle.PagesSinceThrottleCheck = Math.Min(pages, RateLimitPages);
            return false;
        }

        handle.PagesSinceThrottleCheck = 0; // a stall thrown from the balance carries nothing over
        return true;
    }

    /// <summary>Pauses the writer as the control curve says; returns the pages it carries over to its next check (a pause too short to take).</summary>
    private int Balance(FileObject file, HandleAccounting handle, int pagesDirtied)
    {
        TimeProvider time = _clock.TimeProvider;
        var stall = new StallWatch(_counters.PagesWritten.Value, time.GetTimestamp());
        while (true)
        {
            if (!NextPause(file, pagesDirtied, out TimeSpan pause, out bool overLimit, out int carried))
            {
                return carried;
            }

            long pauseStart = time.GetTimestamp();
            _counts.AddThrottledWriters(1);
            try
            {
                do
                {
                    _progress.Wait(time, pause - time.GetElapsedTime(pauseStart), WakeLevel(overLimit));
                }
                while (!PauseIsOver(time, pauseStart, pause, overLimit));
            }
            finally
            {
                _counts.AddThrottledWriters(-1);
                _counts.NotePauseEnded(_clock.NowTick);
            }

            if (AfterPause(file, handle, time.GetElapsedTime(pauseStart), ref stall))
            {
                return 0;
            }
        }
    }

    /// <summary>
    /// <see cref="Balance"/> without holding a thread while paused; <paramref name="cancellationToken"/>
    /// ends the pause (the data is already in the cache: nothing is undone, nothing is thrown).
    /// </summary>
    private async ValueTask BalanceAsync(FileObject file, HandleAccounting handle, int pagesDirtied, CancellationToken cancellationToken)
    {
        TimeProvider time = _clock.TimeProvider;
        var stall = new StallWatch(_counters.PagesWritten.Value, time.GetTimestamp());
        while (true)
        {
            if (!NextPause(file, pagesDirtied, out TimeSpan pause, out bool overLimit, out int carried))
            {
                handle.PagesSinceThrottleCheck = carried;
                return;
            }

            long pauseStart = time.GetTimestamp();
            _counts.AddThrottledWriters(1);
            try
            {
                do
                {
                    await _progress.WaitAsync(time, pause - time.GetElapsedTime(pauseStart), WakeLevel(overLimit), cancellationToken).ConfigureAwait(false);
                }
                while (!cancellationToken.IsCancellationRequested && !PauseIsOver(time, pauseStart, pause, overLimit));
            }
            finally
            {
                _counts.AddThrottledWriters(-1);
                _counts.NotePauseEnded(_clock.NowTick);
            }

            if (AfterPause(file, handle, time.GetElapsedTime(pauseStart), ref stall) || cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The next pause by the control curve; false, with the pages to carry over to the next check,
    /// when no pause is due or it is too short to take below the limit.
    /// </summary>
    private bool NextPause(FileObject file, int pagesDirtied, out TimeSpan pause, out bool overLimit, out int carried)
    {
        TimeProvider time = _clock.TimeProvider;
        WriteDevice device = file.Device;
        int toWrite = _counts.PagesToWrite;
        double share = device.WriteoutShare(file, _clock.NowTick);
        int fileToWrite = file.PagesToWrite;

        // A writer here means a backlog: the device's bandwidth and rate limit are sampled
        // now (Linux updates both from balance_dirty_pages).
        device.SampleBandwidth(time, busy: true);
        device.UpdateDirtyRateLimit(time, PositionRatio(toWrite, _backgroundPages, _limitPages, fileToWrite, share, _strict));
        pause = ComputePause(toWrite, _backgroundPages, _limitPages, fileToWrite, share, device.DirtyRateLimitPagesPerSecond, pagesDirtied, _strict);
        overLimit = toWrite >= _limitPages;
        carried = 0;
        if (pause <= TimeSpan.Zero)
        {
            return false;
        }

        if (!overLimit && pause < MinPause)
        {
            carried = pagesDirtied;
            return false;
        }

        _writerWake.Set();
        return true;
    }

    /// <summary>
    /// The level a paused writer waits for: completed writes wake it once the data is back below
    /// the limit (over it) or at freerun (below it), so a small pool's writer goes on the moment
    /// there is room (sleeping in slices of even a millisecond halved LiteDB's update rate), and
    /// is not woken by the writes that leave it where it was.
    /// </summary>
    private int WakeLevel(bool overLimit) => overLimit && !_canaries.WakeThrottledWriterOnlyAtFreerun ? _limitPages - 1 : FreerunPages; // the canary waits for freerun

    private bool PauseIsOver(TimeProvider time, long pauseStart, TimeSpan pause, bool overLimit) =>
        overLimit || time.GetElapsedTime(pauseStart) >= pause || _counts.PagesToWrite <= FreerunPages;

    /// <summary>
    /// Accounts a pause taken; true when the writer may go on (the data is below the limit).
    /// Over the limit it waits for the device, but not forever: with no page written for
    /// MaxWritebackStall it throws <see cref="WritebackStalledException"/>.
    /// </summary>
    private bool AfterPause(FileObject file, HandleAccounting handle, TimeSpan paused, ref StallWatch stall)
    {
        _counters.ThrottlePauses.Increment();
        _counters.ThrottleTicks.Add(paused.Ticks);
        _counters.RecordThrottlePause(paused, _counts.PagesToWrite, _limitPages);
        handle.AddPause(paused);
        if (_counts.PagesToWrite < _limitPages || _canaries.GoOnAfterOnePauseOverTheLimit) // the canary goes on over the limit
        {
            return true;
        }

        TimeProvider time = _clock.TimeProvider;
        long written = _counters.PagesWritten.Value;
        if (written != stall.Progress)
        {
            stall = new StallWatch(written, time.GetTimestamp());
        }
        else if (time.GetElapsedTime(stall.Start) >= _maxStall)
        {
            Exception? error;
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                error = file.Errors.IsFailing ? file.Errors.LastError : null;
            }

            throw new WritebackStalledException(file.Name, _counts.PagesToWrite, _maxStall, error);
        }

        return false;
    }

    /// <summary>The pages written when the device was last seen making progress, and when.</summary>
    private readonly record struct StallWatch(long Progress, long Start);
}
