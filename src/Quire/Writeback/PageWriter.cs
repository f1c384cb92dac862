// PageWriter: the background writer of dirty pages (Haiku's page writer, Linux's flusher
// threads). One pass (RunOnePass, the step function tests drive with a manual clock) goes round
// the files with data to write, in order from where the last pass stopped, and for each writes
// runs of adjacent dirty pages from the file's cyclic cursor (ClusterWriter). Written pages are
// unsynced (written, not yet durable): they keep their frames until a durable flush (FileSync),
// but they are not dirty, for the throttle or for this writer. Production runs passes on a
// thread, and a second thread makes files durable while the first writes.
//
// When it writes, in order of precedence:
//  1. Requests: StartWriteback and reclaim ranges, written first and whole, short runs included.
//  2. Background: while data to write (dirty + under writeback) is above the background
//     threshold, or while any writer is paused by the throttle, everything, until it is below.
//  3. Expiry: every WritebackInterval, runs that start at pages dirty for longer than DirtyExpire
//     (Linux's kupdate).
//  Laptop mode holds 2 and 3 back until the dirty limit is near or the store was just read (the
//  device is awake), and then writes everything.
// When it makes files durable (the sync thread, or the pass itself without one), batched over
// many writes, never a durable flush per run:
//  a. when unsynced data reaches CacheLimits.SyncStartPages (half the dirty limit); each file's
//     OS write-out is started early, after each of its turns, with sync_file_range(WRITE), so the
//     durable flush finds little left to do. At CacheLimits.UnsyncedBoundPages the writer waits
//     for the syncs before writing more, so frames held for durability stay bounded;
//  b. on expiry, laptop mode's "everything", or few reclaimable frames: every file with unsynced data;
//  c. on a reclaim request for the file's pages (they are reclaimable only once durable).
// Short runs: between the background threshold and the freerun point short runs wait to grow
// into full clusters (sequential writers' tails); above freerun, when writers may be paused,
// under memory pressure, on expiry and for requests, runs are written as they are.
// Urgency follows the backlog, as Haiku raises its I/O priority with the number of modified
// pages: with little to write, one file at a time at idle I/O priority; with a backlog over three
// quarters of the limit, few free frames or a writer paused by the throttle (which waits for this
// writeback: at idle priority any other I/O on the device would hold it back), several files at
// once (one per worker thread) at normal priority.
// A file whose write failed is left alone until its back-off expires (FileObject), so it cannot
// stop other files from being written; a pass that wrote nothing because everything failed makes
// the thread back off instead of spinning.
//
// Locking: passes are serialized by _passLock (held across a pass, which does I/O: it is the
// writer's own mutex, taken by no other path); requests by _requestsLock; the files waiting for
// the sync thread by _syncLock. Everything else goes through ClusterWriter and FileSync. Nothing
// is thrown on the writer's threads: a failure is kept and reported by the next flush.

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
    private readonly WritebackCounts _counts; // (I)
    private readonly CacheClock _clock; // (I)
    private readonly CacheLimits _limits; // (I)
    private readonly Lock _passLock = new();
    private readonly Lock _requestsLock = new();
    private readonly Queue<WritebackRequest> _requests = new(); // (_requestsLock)
    private int _nextFileId; // (_passLock) round-robin position
    private int _lastExpiryTick; // (_passLock)
    private long _readIosSeen; // (_passLock) for laptop mode
    private readonly Lock _syncLock = new();
    private readonly HashSet<FileObject> _syncPending = []; // (_syncLock) files written and waiting for their durable flush
    private readonly WakeSignal _syncWake = new();
    private readonly ProgressSignal _progress; // (I)
    private Thread? _syncThread; // (I after Start)
    private Thread? _thread; // (I after Start)
    private WritebackWorkers? _workers; // (I after Start) files written at once when urgent
    private WritebackWorkers? _ioThreads; // (I after Start) the runs of one writeback written at once
    private volatile bool _stopping;
    private Exception? _failure; // (A) a bug caught on the writer thread, reported by the next flush

    public PageWriter(FileTable files, ClusterWriter writer, FileSync sync, CacheCounters counters, WritebackCounts counts, CacheClock clock, ProgressSignal progress, CacheLimits limits)
    {
        _progress = progress;
        _files = files;
        _writer = writer;
        _sync = sync;
        _counters = counters;
        _counts = counts;
        _clock = clock;
        _limits = limits;
        _lastExpiryTick = clock.NowTick;
    }

    /// <summary>Wakes the writer: dirty data crossed a threshold, a writer is throttled, or a request came.</summary>
    public WakeSignal Wake { get; } = new();

    /// <summary>A failure the writer's thread caught, or null.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    public bool IsRunning => _thread is not null;

    public void Start()
    {
        _workers = new WritebackWorkers(_limits.MaxWritesInFlight, "quire-writeback");
        _ioThreads = new WritebackWorkers(_limits.MaxWritesInFlight, "quire-write-io");
        _writer.EnableParallelWrites(_ioThreads);
        _syncThread = new Thread(RunSyncs) { IsBackground = true, Name = "quire-page-sync" };
        _syncThread.Start();
        _thread = new Thread(Run) { IsBackground = true, Name = "quire-page-writer" };
        _thread.Start();
    }

    /// <summary>
    /// Asks for a range to be written back soon, without waiting (sync_file_range WRITE); with
    /// <paramref name="makeDurable"/> (reclaim), the file is then made durable so its frames can go.
    /// </summary>
    public void Request(FileObject file, long fromPage, long toPage, bool makeDurable = false)
    {
        using (LockOrder.Enter(_requestsLock, LockRank.Leaf))
        {
            // Bounded: beyond this many pending requests the oldest are dropped: the data is
            // still dirty and written by the next background or expiry pass.
            if (_requests.Count >= 1024)
            {
                _requests.Dequeue();
            }

            _requests.Enqueue(new WritebackRequest(file, fromPage, toPage, makeDurable));
        }

        Wake.Set();
    }

    /// <summary>One pass of the writer: the step function. Returns what it did.</summary>
    public PageWriterPass RunOnePass()
    {
        using (LockOrder.Enter(_passLock, LockRank.PageWriterPass))
        {
            var pass = new PageWriterPass();
            int now = _clock.NowTick;
            List<FileObject>? durableRequested = RunRequests(pass);

            int toWrite = _counts.PagesToWrite;
            bool background = toWrite > _limits.BackgroundDirtyPages || _counts.ThrottledWriters > 0;
            bool expiryDue = now - _lastExpiryTick >= TicksOf(_limits.WritebackInterval);
            bool everything = false;
            if (_limits.LaptopMode)
            {
                long readIos = _counters.ReadIos.Value;
                bool deviceAwake = readIos != _readIosSeen;
                _readIosSeen = readIos;
                bool nearLimit = toWrite >= _limits.DirtyLimitPages * 3 / 4;
                everything = (deviceAwake || nearLimit) && _counts.NotDurablePages > 0;
                background &= everything;
                expiryDue &= everything;
            }

            if (expiryDue)
            {
                _lastExpiryTick = now;
            }

            // Memory pressure: frames that are free or clean (reclaimable at once) run short. Free
            // frames alone say nothing: a full cache of clean pages has none, and needs none.
            bool lowOnFrames = _limits.FrameCount - _counts.NotDurablePages < _limits.LowFreeFrames;
            if (background || expiryDue || everything)
            {
                pass.Mode = everything ? "everything" : background ? "background" : "expiry";
                int? expiredAt = background || everything ? null : now - TicksOf(_limits.DirtyExpire);
                bool urgent = toWrite > _limits.DirtyLimitPages * 3 / 4 || lowOnFrames || _counts.ThrottledWriters > 0;

                // Above freerun writers may be paced: nothing waits to grow then.
                bool takeShortRuns = lowOnFrames || everything || toWrite >= _limits.FreerunPages || _counts.ThrottledWriters > 0;
                pass.Urgent = urgent;
                WriteFiles(pass, expiredAt, stopBelowBackground: background && !everything, urgent, takeShortRuns, now);
            }

            MakeDurable(pass, all: everything || expiryDue || lowOnFrames || _counts.UnsyncedPages >= _limits.SyncStartPages, durableRequested);
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
        _ioThreads?.Dispose();
    }

    private static int TicksOf(TimeSpan span) => (int)Math.Min(int.MaxValue / 2, span.TotalMilliseconds / CacheClock.TickMilliseconds);

    /// <summary>Writes the requested ranges whole; returns the files whose requests asked for durability, or null.</summary>
    private List<FileObject>? RunRequests(PageWriterPass pass)
    {
        // A request is written as asked (sync_file_range WRITE): short runs too.
        var limits = new WritebackLimits(0, null, SkipBusy: true);
        List<FileObject>? durable = null;
        while (true)
        {
            WritebackRequest request;
            using (LockOrder.Enter(_requestsLock, LockRank.Leaf))
            {
                if (!_requests.TryDequeue(out request))
                {
                    return durable;
                }
            }

            WriteFile(request.File, request.FromPage, request.ToPage, limits, pass);
            if (request.MakeDurable && !(durable ??= []).Contains(request.File))
            {
                durable.Add(request.File);
            }
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
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                backingOff = now - file.RetryAfterTick < 0;
            }

            if (!file.IsWritable || file.DirtyPageCount == 0)
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
        int minRun = !takeShortRuns && expiredAt is null ? _limits.MinBackgroundRunPages : 0;
        var limits = new WritebackLimits(turn.Count > 1 ? _limits.PagesPerFileTurn : _limits.PagesPerSoloTurn, expiredAt, SkipBusy: true, MinRunPages: minRun);
        if (urgent && _workers is { } workers && turn.Count > 1)
        {
            int parallel = Math.Min(turn.Count, workers.Count);
            workers.RunAll(turn, file => WriteFileAtCursor(file, limits, pass, idlePriority: false, parallel));
            return;
        }

        LinuxFileIO.TrySetThreadIOPriority(idle: !urgent);
        foreach (FileObject file in turn)
        {
            if (stopBelowBackground && _counts.PagesToWrite <= _limits.BackgroundDirtyPages && _counts.ThrottledWriters == 0)
            {
                break;
            }

            WriteFileAtCursor(file, limits, pass, idlePriority: !urgent, writersInParallel: 1);
        }
    }

    private void WriteFileAtCursor(FileObject file, WritebackLimits limits, PageWriterPass pass, bool idlePriority, int writersInParallel)
    {
        // A turn writes no more than its part of the room left under the unsynced bound.
        WaitWhileUnsyncedAtBound();
        int room = Math.Max(1, (_limits.UnsyncedBoundPages - _counts.UnsyncedPages) / writersInParallel);
        limits = limits with { MaxPages = limits.MaxPages <= 0 ? room : Math.Min(limits.MaxPages, room) };
        LinuxFileIO.TrySetThreadIOPriority(idlePriority);
        long cursor;
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            cursor = file.WritebackCursor;
        }

        long next = WriteFile(file, cursor, long.MaxValue, limits, pass);
        if (next == long.MaxValue && cursor > 0 && (limits.MaxPages <= 0 || pass.PagesWrittenOf(file) < limits.MaxPages))
        {
            // Wrapped: write the part before the cursor too (cyclic, as Linux's writeback_index).
            next = WriteFile(file, 0, cursor, limits, pass);
        }

        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            file.WritebackCursor = next == long.MaxValue ? 0 : next;
        }
    }

    /// <summary>Writes back a range of a file and starts its OS write-out; returns where it stopped.</summary>
    private long WriteFile(FileObject file, long fromPage, long toPage, WritebackLimits limits, PageWriterPass pass)
    {
        WritebackOutcome outcome = _writer.WriteBack(file, fromPage, toPage, waitForGate: false, Deadline.After(_limits.MaxPageWait), limits);
        pass.Record(file, outcome);
        if (outcome.Error is not null)
        {
            _counters.WriteRetries.Increment();
            _counters.Log.WritebackRetrying(file.Name, outcome.Error);
        }

        if (outcome.PagesWritten > 0)
        {
            StartWriteout(file);
        }

        file.Device.SampleBandwidth(_clock.TimeProvider, busy: file.Device.FilesWriting > 0 && _counts.PagesToWrite > 0);
        return outcome.Skipped ? fromPage : outcome.NextPage;
    }

    /// <summary>
    /// Makes files durable: every file with unsynced data when <paramref name="all"/>, else the
    /// files a reclaim request named. On the sync thread when there is one.
    /// </summary>
    private void MakeDurable(PageWriterPass pass, bool all, List<FileObject>? requested)
    {
        List<FileObject> files = requested ?? [];
        if (all)
        {
            foreach (FileObject file in _files.Snapshot())
            {
                if (file.IsWritable && file.UnsyncedPageCount > 0 && !files.Contains(file))
                {
                    files.Add(file);
                }
            }
        }

        if (files.Count == 0)
        {
            return;
        }

        if (_syncThread is null)
        {
            foreach (FileObject file in files)
            {
                pass.RecordSync(SyncFile(file));
            }

            return;
        }

        using (LockOrder.Enter(_syncLock, LockRank.Leaf))
        {
            _syncPending.UnionWith(files);
        }

        _syncWake.Set();
    }

    /// <summary>
    /// At the unsynced bound (see the file header) writing more would only hold more frames: waits,
    /// at most MaxPause at a time and a few times, for the sync thread to make data durable.
    /// </summary>
    private void WaitWhileUnsyncedAtBound()
    {
        for (int i = 0; i < 10 && _syncThread is not null && _counts.UnsyncedPages >= _limits.UnsyncedBoundPages && !_stopping; i++)
        {
            MakeDurable(new PageWriterPass(), all: true, requested: null);
            _progress.Wait(_clock.TimeProvider, TimeSpan.FromMilliseconds(20));
        }
    }

    /// <summary>
    /// Starts the OS write-out of a file on a buffered store, inside its store gate (so not once it is
    /// closed). The store is read inside the gate: one read before it may be a store that was closed
    /// since, when the file was detached and reopened with a new one.
    /// </summary>
    private static void StartWriteout(FileObject file)
    {
        if (file.Gate.TryEnterIo())
        {
            try
            {
                (file.Store as FileBackingStore)?.StartWriteout();
            }
            finally
            {
                file.Gate.ExitIo();
            }
        }
    }

    /// <summary>Makes a file's written pages durable unless its size is changing (then a later pass does).</summary>
    private Exception? SyncFile(FileObject file)
    {
        if (file.UnsyncedPageCount == 0 || !file.Gate.TryEnterIo())
        {
            return null;
        }

        try
        {
            return _sync.Sync(file);
        }
        finally
        {
            file.Gate.ExitIo();
        }
    }

    /// <summary>The sync thread: durable flushes of the files the writer wrote, overlapped with its next writes.</summary>
    private void RunSyncs()
    {
        while (!_stopping)
        {
            _syncWake.Wait(_limits.WritebackInterval);
            FileObject[] files;
            using (LockOrder.Enter(_syncLock, LockRank.Leaf))
            {
                files = [.. _syncPending];
                _syncPending.Clear();
            }

            try
            {
                // Every file's OS write-out first, so the devices work on all of them while the
                // durable flushes below go one at a time.
                foreach (FileObject file in files)
                {
                    StartWriteout(file);
                }

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
            else if (pass.Mode is not null && _counts.DirtyPages > 0 && (_counts.PagesToWrite > _limits.BackgroundDirtyPages || _counts.ThrottledWriters > 0) && pass.PagesWritten > 0)
            {
                wait = TimeSpan.Zero; // still above the background threshold, or a writer waits, and making progress
            }
            else
            {
                wait = _limits.WritebackInterval;
            }

            if (wait > TimeSpan.Zero)
            {
                Wake.Wait(wait);
            }
        }
    }
}
