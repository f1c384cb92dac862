// DirtyThrottle: slows writers that dirty pages faster than the device cleans them, the way
// Linux has since 3.2 (I/O-less balance_dirty_pages): a writer never writes back itself; it
// sleeps for a pause computed from how far the not-durable data (dirty + under writeback +
// unsynced) is above the setpoint between the background threshold and the dirty limit, and from
// the file's measured write bandwidth, at most 200 ms per pause.
//
// The control curve, with B the background threshold and L the limit, in pages:
//   freerun  = (B + L) / 2      below it writers run free and are checked only every 32 pages
//   setpoint = (freerun + L) / 2
//   position = 1 + ((setpoint - dirty) / (L - setpoint))^3, clamped to [0, 2]: 2 at freerun,
//              1 at the setpoint, 0 at the limit
//   a file's share of L follows its share of the measured bandwidth of the files with dirty data
//   (at least 1/16), and its own position is computed the same way against its share, so a slow
//   file's writer is slowed before it can take the whole budget from a fast file's writer
//   rate     = file bandwidth x global position x file position
//   pause    = pages dirtied since the last pause / rate, at most 200 ms
// Pauses are at least 10 ms, as Linux keeps its pauses above a minimum: a pause shorter than
// that is not taken, and the writer's pages are carried over until they add up to one, so a
// writer above the freerun point sleeps rarely and for 10-20 ms rather than for microseconds on
// every write (each sleep costs a timer and a context switch, and short sleeps overshoot). A
// pause below the limit is slept in full, unless writeback brings the data back under freerun.
// At or over the limit a writer pauses up to 200 ms at a time, woken early whenever writeback
// makes data durable (ProgressSignal), until the data drops below the limit;
// if the device writes nothing for MaxWritebackStall, it fails with WritebackStalledException.
// A file's share of the limit is recomputed at most once per clock tick (10 ms): it walks the
// file table under its lock.
// Margin: the limit is checked after each write batch, so not-durable data exceeds it by at most
// the pages of one write (at most 4 MiB) per concurrently writing thread.
//
// Locking: none; reads atomic gauges and the file's bandwidth (a racy double read, which a
// heuristic tolerates). Sleeps with no lock or hold.

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

    private readonly CacheCounters _counters; // (I)
    private readonly CacheClock _clock; // (I)
    private readonly WakeSignal _writerWake; // (I)
    private readonly ProgressSignal _progress; // (I)
    private readonly FileTable _files; // (I)
    private readonly int _backgroundPages; // (I)
    private readonly int _limitPages; // (I)
    private readonly int _pageSize; // (I)
    private readonly TimeSpan _maxStall; // (I)

    public DirtyThrottle(CacheCounters counters, CacheClock clock, WakeSignal writerWake, ProgressSignal progress, FileTable files, PageCacheOptions options)
    {
        _counters = counters;
        _clock = clock;
        _writerWake = writerWake;
        _progress = progress;
        _files = files;
        _backgroundPages = options.BackgroundDirtyPages;
        _limitPages = options.DirtyLimitPages;
        _pageSize = options.PageSize;
        _maxStall = options.MaxWritebackStall;
    }

    /// <summary>The not-durable pages at which writers start to be slowed.</summary>
    public int FreerunPages => (_backgroundPages + _limitPages) / 2;

    public void OnPagesDirtied(FileObject file, HandleAccounting handle, int pagesDirtied)
    {
        int notDurable = NotDurablePages;
        if (notDurable > _backgroundPages)
        {
            _writerWake.Set();
        }

        int pages = handle.PagesSinceThrottleCheck + pagesDirtied;
        if (notDurable <= FreerunPages && pages < RateLimitPages)
        {
            handle.PagesSinceThrottleCheck = pages;
            return;
        }

        handle.PagesSinceThrottleCheck = 0; // a stall thrown from Balance carries nothing over
        handle.PagesSinceThrottleCheck = Balance(file, handle, pages);
    }

    /// <summary>
    /// The pause for a writer that dirtied <paramref name="pagesDirtied"/> pages, from the global and
    /// the file's position on the control curve (see the file header). A pure function.
    /// </summary>
    public static TimeSpan ComputePause(
        int notDurablePages,
        int backgroundPages,
        int limitPages,
        int fileNotDurablePages,
        double fileShare,
        double fileBandwidthPagesPerSecond,
        int pagesDirtied)
    {
        int freerun = (backgroundPages + limitPages) / 2;
        if (notDurablePages <= freerun && fileNotDurablePages <= freerun * fileShare)
        {
            return TimeSpan.Zero;
        }

        double position = Position(notDurablePages, freerun, limitPages);
        double fileLimit = Math.Max(1, limitPages * fileShare);
        double filePosition = Position(fileNotDurablePages, fileLimit / 2, fileLimit);
        double rate = Math.Max(1, fileBandwidthPagesPerSecond) * position * filePosition;
        if (rate <= 0)
        {
            return MaxPause;
        }

        TimeSpan pause = TimeSpan.FromSeconds(pagesDirtied / rate);
        return pause > MaxPause ? MaxPause : pause;
    }

    private int NotDurablePages => _counters.DirtyPages + _counters.WritebackPages + _counters.UnsyncedPages;

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

    /// <summary>Pauses the writer as the control curve says; returns the pages it carries over to its next check (a pause too short to take).</summary>
    private int Balance(FileObject file, HandleAccounting handle, int pagesDirtied)
    {
        long progress = _counters.PagesWritten.Value;
        long stallStart = _clock.TimeProvider.GetTimestamp();
        while (true)
        {
            int notDurable = NotDurablePages;
            TimeSpan pause = ComputePause(notDurable, _backgroundPages, _limitPages, file.NotDurablePageCount, FileShare(file), file.WriteBandwidth / _pageSize, pagesDirtied);
            if (pause <= TimeSpan.Zero)
            {
                return 0;
            }

            bool overLimit = notDurable >= _limitPages;
            if (!overLimit && pause < MinPause)
            {
                return pagesDirtied;
            }

            _writerWake.Set();
            long pauseStart = _clock.TimeProvider.GetTimestamp();
            TimeSpan paused;
            while (true)
            {
                _progress.Wait(_clock.TimeProvider, pause - _clock.TimeProvider.GetElapsedTime(pauseStart));
                paused = _clock.TimeProvider.GetElapsedTime(pauseStart);

                // Over the limit any progress ends the pause (the loop below looks again); below
                // it, only the device catching up with the writers does (data back under freerun).
                if (overLimit || paused >= pause || NotDurablePages <= FreerunPages)
                {
                    break;
                }
            }

            _counters.ThrottlePauses.Increment();
            _counters.ThrottleTicks.Add(paused.Ticks);
            _counters.RecordThrottlePause(paused, NotDurablePages, _limitPages);
            handle.AddPause(paused);
            if (NotDurablePages < _limitPages)
            {
                return 0;
            }

            // Over the hard limit: wait for the device, but not forever.
            long written = _counters.PagesWritten.Value;
            if (written != progress)
            {
                progress = written;
                stallStart = _clock.TimeProvider.GetTimestamp();
            }
            else if (_clock.TimeProvider.GetElapsedTime(stallStart) >= _maxStall)
            {
                Exception? error;
                lock (file.Lock)
                {
                    error = file.IsFailing ? file.LastError : null;
                }

                throw new WritebackStalledException(file.Name, NotDurablePages, _maxStall, error);
            }
        }
    }

    /// <summary>The file's share of the dirty limit: its share of the bandwidth of the files with data to write, at least 1/16.</summary>
    private double FileShare(FileObject file)
    {
        int now = _clock.NowTick;
        if (now == file.ThrottleShareTick)
        {
            return file.ThrottleShare;
        }

        double share = ComputeFileShare(file);
        file.ThrottleShare = share;
        file.ThrottleShareTick = now;
        return share;
    }

    private double ComputeFileShare(FileObject file)
    {
        double total = 0;
        foreach (FileObject other in _files.Snapshot())
        {
            if (other.NotDurablePageCount > 0 || other == file)
            {
                total += other.WriteBandwidth;
            }
        }

        return total <= 0 ? 1 : Math.Clamp(file.WriteBandwidth / total, 1.0 / 16, 1);
    }
}
