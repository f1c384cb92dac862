// PageWriter: the background writer of dirty pages (Haiku's page writer, Linux's flusher
// threads). One pass (RunOnePass, the step function tests drive with a manual clock) goes round
// the files with data to write, in order from where the last pass stopped, and for each writes
// runs of adjacent dirty pages from the file's cyclic cursor (ClusterWriter), then makes them
// durable (FileSync) so their frames become reclaimable. Production runs passes on a thread,
// and a second thread makes written files durable while the first writes the next chunk.
//
// When it writes, in order of precedence:
//  1. Requests: StartWriteback ranges, written first.
//  2. Background: while not-durable data is above the background threshold (or a throttled
//     writer asked), everything, until it is below again.
//  3. Expiry: every WritebackInterval, runs that start at pages dirty for longer than DirtyExpire
//     (Linux's kupdate).
//  Laptop mode holds 2 and 3 back until the dirty limit is near or the store was just read (the
//  device is awake), and then writes everything.
// Urgency follows the backlog, as Haiku raises its I/O priority with the number of modified
// pages: with little to write, one file at a time at idle I/O priority; with a backlog over three
// quarters of the limit or few free frames, MaxWritesInFlight files at once at normal priority.
// A file whose write failed is left alone until its back-off expires (FileObject), so it cannot
// stop other files from being written; a pass that wrote nothing because everything failed makes
// the thread back off instead of spinning.
//
// Locking: passes are serialized by _passLock (held across a pass, which does I/O: it is the
// writer's own mutex, taken by no other path); requests by _requestsLock. Everything else goes
// through ClusterWriter and FileSync. Nothing is thrown on the writer's thread: a failure is kept
// and reported by the next flush.

using Quire.Files;
using Quire.Internal;
using Quire.Metrics;
using Quire.Paging;

namespace Quire.Writeback;

internal sealed class PageWriter : IDisposable
{
    private static readonly TimeSpan s_failureBackoff = TimeSpan.FromMilliseconds(500); // a pass that only failed waits this long

    private readonly FileTable _files; // (I)
    private readonly ClusterWriter _writer; // (I)
    private readonly FileSync _sync; // (I)
    private readonly CacheCounters _counters; // (I)
    private readonly CacheClock _clock; // (I)
    private readonly PageCacheOptions _options; // (I)
    private readonly int _backgroundPages; // (I)
    private readonly int _limitPages; // (I)
    private readonly int _lowFreeFrames; // (I)
    private readonly int _frameCount; // (I)
    private readonly int _pagesPerFileTurn; // (I)
    private readonly Lock _passLock = new();
    private readonly Lock _requestsLock = new();
    private readonly Queue<(FileObject File, long FromPage, long ToPage)> _requests = new(); // (_requestsLock)
    private int _nextFileId; // (_passLock) round-robin position
    private int _lastExpiryTick; // (_passLock)
    private long _readIosSeen; // (_passLock) for laptop mode
    private readonly Lock _syncLock = new();
    private readonly HashSet<FileObject> _syncPending = []; // (_syncLock) files written and waiting for their durable flush
    private readonly WakeSignal _syncWake = new();
    private readonly int _pagesPerSyncChunk; // (I)
    private readonly int _minBackgroundRunPages; // (I)
    private Thread? _syncThread; // (I after Start)
    private Thread? _thread; // (I after Start)
    private WritebackWorkers? _workers; // (I after Start)
    private volatile bool _stopping;
    private Exception? _failure; // (A) a bug caught on the writer thread, reported by the next flush

    public PageWriter(FileTable files, ClusterWriter writer, FileSync sync, CacheCounters counters, CacheClock clock, PageCacheOptions options)
    {
        _files = files;
        _writer = writer;
        _sync = sync;
        _counters = counters;
        _clock = clock;
        _options = options;
        _backgroundPages = options.BackgroundDirtyPages;
        _limitPages = options.DirtyLimitPages;
        _lowFreeFrames = options.ResolvedMinFreeFrames * 2;
        _frameCount = options.FrameCount;
        _pagesPerFileTurn = Math.Max(1, options.MaxClusterBytes / options.PageSize) * 4; // fairness: four clusters per file per turn

        // A file alone is written in chunks of a quarter of the dirty limit, each made durable by
        // the sync thread while the next is written: the device is kept busy with durable
        // flushes, and the limit, which counts data written but not yet durable, frees up in
        // steps instead of all at once at the end of one long flush.
        _pagesPerSyncChunk = Math.Max(Math.Max(1, options.MaxClusterBytes / options.PageSize), _limitPages / 4);

        // Half a cluster (512 KiB by default), and never more than an eighth of the limit so a
        // small pool still writes in the background.
        _minBackgroundRunPages = Math.Max(1, Math.Min(options.MaxClusterBytes / options.PageSize / 2, _limitPages / 8));
        _lastExpiryTick = clock.NowTick;
    }

    /// <summary>Wakes the writer: dirty data crossed a threshold, a writer is throttled, or a request came.</summary>
    public WakeSignal Wake { get; } = new();

    /// <summary>A failure the writer's thread caught, or null.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    public bool IsRunning => _thread is not null;

    public void Start()
    {
        _workers = new WritebackWorkers(_options.MaxWritesInFlight);
        _syncThread = new Thread(RunSyncs) { IsBackground = true, Name = "quire-page-sync" };
        _syncThread.Start();
        _thread = new Thread(Run) { IsBackground = true, Name = "quire-page-writer" };
        _thread.Start();
    }

    /// <summary>Asks for a range to be written back soon, without waiting (sync_file_range WRITE).</summary>
    public void Request(FileObject file, long fromPage, long toPage)
    {
        lock (_requestsLock)
        {
            // Bounded: beyond this many pending requests the oldest are dropped: the data is
            // still dirty and written by the next background or expiry pass.
            if (_requests.Count >= 1024)
            {
                _requests.Dequeue();
            }

            _requests.Enqueue((file, fromPage, toPage));
        }

        Wake.Set();
    }

    /// <summary>One pass of the writer: the step function. Returns what it did.</summary>
    public PageWriterPass RunOnePass()
    {
        lock (_passLock)
        {
            var pass = new PageWriterPass();
            int now = _clock.NowTick;
            RunRequests(pass, lowOnFrames: _frameCount - NotDurablePages < _lowFreeFrames);

            int notDurable = NotDurablePages;
            bool background = notDurable > _backgroundPages;
            bool expiryDue = now - _lastExpiryTick >= TicksOf(_options.WritebackInterval);
            bool everything = false;
            if (_options.LaptopMode)
            {
                long readIos = _counters.ReadIos.Value;
                bool deviceAwake = readIos != _readIosSeen;
                _readIosSeen = readIos;
                bool nearLimit = notDurable >= _limitPages * 3 / 4;
                everything = (deviceAwake || nearLimit) && notDurable > 0;
                background &= everything;
                expiryDue &= everything;
            }

            if (expiryDue)
            {
                _lastExpiryTick = now;
            }

            if (!background && !expiryDue && !everything)
            {
                return pass;
            }

            pass.Mode = everything ? "everything" : background ? "background" : "expiry";
            int? expiredAt = background || everything ? null : now - TicksOf(_options.DirtyExpire);
            // Memory pressure: frames that are free or clean (reclaimable at once) run short. Free
            // frames alone say nothing: a full cache of clean pages has none, and needs none.
            bool lowOnFrames = _frameCount - notDurable < _lowFreeFrames;
            bool urgent = notDurable > _limitPages * 3 / 4 || lowOnFrames;
            // At the limit, short runs are taken only when dirty data (not data waiting for the sync
            // thread's durable flush) is the backlog: writing more while the flush is the
            // bottleneck adds small writes and no progress.
            bool takeShortRuns = lowOnFrames || everything || (notDurable >= _limitPages && _counters.DirtyPages >= _limitPages / 2);
            pass.Urgent = urgent;
            WriteFiles(pass, expiredAt, stopBelowBackground: background && !everything, urgent, takeShortRuns, now);
            return pass;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        Wake.Set();
        _syncWake.Set();
        _thread?.Join(TimeSpan.FromSeconds(30));
        _syncThread?.Join(TimeSpan.FromSeconds(30));
        _workers?.Dispose();
    }

    private int NotDurablePages => _counters.DirtyPages + _counters.WritebackPages + _counters.UnsyncedPages;

    private static int TicksOf(TimeSpan span) => (int)Math.Min(int.MaxValue / 2, span.TotalMilliseconds / CacheClock.TickMilliseconds);

    private void RunRequests(PageWriterPass pass, bool lowOnFrames)
    {
        // Requests from reclaim and StartWriteback also wait for short runs to grow, unless frames
        // are running out.
        var limits = new WritebackLimits(0, null, SkipBusy: true, MinRunPages: lowOnFrames ? 0 : _minBackgroundRunPages);
        while (true)
        {
            (FileObject File, long FromPage, long ToPage) request;
            lock (_requestsLock)
            {
                if (!_requests.TryDequeue(out request))
                {
                    return;
                }
            }

            WriteFile(request.File, request.FromPage, request.ToPage, limits, pass);
        }
    }

    private void WriteFiles(PageWriterPass pass, int? expiredAt, bool stopBelowBackground, bool urgent, bool takeShortRuns, int now)
    {
        FileObject[] files = _files.Snapshot();
        Array.Sort(files, (a, b) => a.Id.CompareTo(b.Id));
        int start = Array.FindIndex(files, f => f.Id >= _nextFileId);
        start = start < 0 ? 0 : start;
        var turn = new List<FileObject>(files.Length);
        for (int i = 0; i < files.Length; i++)
        {
            FileObject file = files[(start + i) % files.Length];
            bool backingOff;
            lock (file.Lock)
            {
                backingOff = now - file.RetryAfterTick < 0;
            }

            if (!file.IsWritable || file.NotDurablePageCount == 0)
            {
                continue;
            }

            if (backingOff)
            {
                pass.FilesBackingOff++;
                continue;
            }

            turn.Add(file);
        }

        if (turn.Count == 0)
        {
            return;
        }

        _nextFileId = turn[^1].Id + 1;

        // Turns are bounded for fairness between files; a file alone is written out in one go, so
        // its data is made durable with as few store flushes as possible.
        // In the background, short runs wait to grow into full clusters; expiry, a backlog at the
        // limit and memory pressure take whatever is there.
        int minRun = !takeShortRuns && expiredAt is null ? _minBackgroundRunPages : 0;
        var limits = new WritebackLimits(turn.Count > 1 ? _pagesPerFileTurn : _pagesPerSyncChunk, expiredAt, SkipBusy: true, MinRunPages: minRun);
        if (urgent && _workers is { } workers && turn.Count > 1)
        {
            workers.RunAll(turn, file => WriteFileAtCursor(file, limits, pass, idlePriority: false));
            return;
        }

        LinuxFileIO.TrySetThreadIOPriority(idle: !urgent);
        foreach (FileObject file in turn)
        {
            if (stopBelowBackground && NotDurablePages <= _backgroundPages)
            {
                break;
            }

            WriteFileAtCursor(file, limits, pass, idlePriority: !urgent);
        }
    }

    private void WriteFileAtCursor(FileObject file, WritebackLimits limits, PageWriterPass pass, bool idlePriority)
    {
        LinuxFileIO.TrySetThreadIOPriority(idlePriority);
        long cursor;
        lock (file.Lock)
        {
            cursor = file.WritebackCursor;
        }

        long next = WriteFile(file, cursor, long.MaxValue, limits, pass);
        if (next == long.MaxValue && cursor > 0 && (limits.MaxPages <= 0 || pass.PagesWrittenOf(file) < limits.MaxPages))
        {
            // Wrapped: write the part before the cursor too (cyclic, as Linux's writeback_index).
            next = WriteFile(file, 0, cursor, limits, pass);
        }

        lock (file.Lock)
        {
            file.WritebackCursor = next == long.MaxValue ? 0 : next;
        }
    }

    /// <summary>Writes back a range of a file and makes it durable; returns where it stopped.</summary>
    private long WriteFile(FileObject file, long fromPage, long toPage, WritebackLimits limits, PageWriterPass pass)
    {
        WritebackOutcome outcome = _writer.WriteBack(file, fromPage, toPage, waitForGate: false, Deadline.After(_options.MaxPageWait), limits);
        pass.Record(file, outcome);
        if (outcome.Error is not null)
        {
            _counters.WriteRetries.Increment();
            _counters.Log.WritebackRetrying(file.Name, outcome.Error);
        }

        if (_syncThread is not null)
        {
            lock (_syncLock)
            {
                _syncPending.Add(file);
            }

            _syncWake.Set();
        }
        else
        {
            pass.RecordSync(SyncFile(file));
        }

        return outcome.Skipped ? fromPage : outcome.NextPage;
    }

    /// <summary>Makes a file's written pages durable unless its size is changing (then a later pass does).</summary>
    private Exception? SyncFile(FileObject file)
    {
        if (file.UnsyncedPageCount == 0 || !file.TryBeginWriteback())
        {
            return null;
        }

        try
        {
            return _sync.Sync(file);
        }
        finally
        {
            file.EndWriteback();
        }
    }

    /// <summary>The sync thread: durable flushes of the files the writer wrote, overlapped with its next writes.</summary>
    private void RunSyncs()
    {
        while (!_stopping)
        {
            _syncWake.Wait(_options.WritebackInterval);
            FileObject[] files;
            lock (_syncLock)
            {
                files = [.. _syncPending];
                _syncPending.Clear();
            }

            try
            {
                foreach (FileObject file in files)
                {
                    // A failure re-dirties the pages and opens an error epoch (FileSync); the
                    // writer retries them after the file's back-off.
                    SyncFile(file);
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
                _counters.Log.PageWriterStopped(e);
                return;
            }
        }
    }

    private void Run()
    {
        while (!_stopping)
        {
            PageWriterPass pass;
            try
            {
                pass = RunOnePass();
            }
            catch (Exception e)
            {
                // A bug, or a latched invariant failure: keep it for the next flush and stop
                // writing rather than risk more.
                Interlocked.CompareExchange(ref _failure, e, null);
                _counters.Log.PageWriterStopped(e);
                return;
            }

            TimeSpan wait;
            if (pass.Errors > 0 && pass.PagesWritten == 0)
            {
                wait = s_failureBackoff;
            }
            else if (pass.Mode is not null && _counters.DirtyPages > 0 && NotDurablePages > _backgroundPages && pass.PagesWritten > 0)
            {
                wait = TimeSpan.Zero; // still above the background threshold and making progress
            }
            else
            {
                wait = _options.WritebackInterval;
            }

            if (wait > TimeSpan.Zero)
            {
                Wake.Wait(wait);
            }
        }
    }
}
