// ClusterWriter: writes back a file's dirty pages: gathers runs of adjacent dirty pages (up to
// MaxClusterBytes), marks each page clean before its write is issued (a write into it during
// the I/O re-dirties it, as Haiku's page writer does), writes each run with one vectored write
// clipped at end of file, and on completion marks the pages unsynced (written, not yet durable)
// or, on failure, dirty again with exactly the sectors it took.
//
// Locking: gathering and completion take the file lock (and each frame's meta lock inside it);
// the writes run with no lock held, inside the file's store gate (FileObject.Gate) so that no
// size change cuts the store under them.
// Invariants (checked always where data is at stake): every page of a run belongs to the file,
// runs are consecutive in the file, no byte at or past the size is written (Pager checks); a
// failed write never leaves a page clean; a page leaves writeback with its Writeback bit cleared
// and its waiters woken.
// A page fully valid is written whole, so runs of such pages cluster; a page with invalid
// sectors writes only its dirty sectors, which are always valid.

using Quire.Files;
using Quire.Frames;
using Quire.Internal;
using Quire.Metrics;
using Quire.Paging;

namespace Quire.Writeback;

internal sealed partial class ClusterWriter : IDisposable
{
    private readonly FramePool _pool; // (I)
    /// <summary>
    /// 100 ms: a short run whose last page became dirty more recently than this may be the tail of
    /// a sequential writer and waits to grow; an older one is written as it is. Longer than a
    /// throttle pause (10-20 ms, at most 200 ms rarely), so a throttled appender's tail still waits.
    /// </summary>
    private const int StillGrowingTicks = 100 / CacheClock.TickMilliseconds;

    private readonly PageHolds _holds; // (I)
    private readonly Pager _pager; // (I)
    private readonly PageTransitions _transitions; // (I)
    private readonly CacheCounters _counters; // (I)
    private readonly WritebackCounts _counts; // (I)
    private readonly Verify _verify; // (I)
    private readonly int _maxClusterPages; // (I)
    private readonly CacheClock _clock; // (I)
    private readonly Canaries _canaries; // (I) the planted bugs, none outside the canary tests
    private readonly ProgressSignal _progress; // (I)
    private readonly int _maxRunsInFlight; // (I)

    /// <summary>Background writes in flight while a read or a flush waits: 2, so the device always has one more to start.</summary>
    private const int BackgroundWritesWhileForeground = 2;

    /// <summary>
    /// The writes one writeback may keep in flight, at most <paramref name="max"/>: background
    /// writeback keeps few queued at the device while a read or a flush waits for it (Linux's
    /// writeback throttling), so those are not stuck behind MaxWritesInFlight of its writes. While
    /// only reads wait, not when a writer paused by the throttle waits for this writeback, now or
    /// within the last tick (Linux's wb_recent_wait): a writer that reads between its writes would
    /// otherwise hold back the very writes its pauses wait for (a YCSB-like mix of reads and
    /// updates on one thread was paused a fifth of the time while the device wrote a fifth of what
    /// it can). A flush keeps the few writes all the same: a small file's commit behind a throttled
    /// bulk writer took 21x the OS's time at the median with full depth.
    /// </summary>
    private int WritesAllowedInFlight(bool background, int max)
    {
        bool fewer = background && _counts.ForegroundIos > 0 && (_counts.FlushesWaitedFor > 0 || !_counts.WritersWaitedRecently(_clock.NowTick));
        return fewer ? Math.Min(max, BackgroundWritesWhileForeground) : max;
    }

    /// <summary>
    /// 8 MiB: the most bytes one writeback keeps in flight. Large runs need few writes in flight to
    /// stream (here 1 MiB writes reach about 1.1 GB/s at 4 in flight into a new file, and a
    /// sequential writer through the cache ran 10-20 % faster with 8 than with 4), and every byte
    /// queued at the device is a byte a read or another file's flush waits behind: while one
    /// waits, background writeback keeps only BackgroundWritesWhileForeground in flight.
    /// </summary>
    private const int MaxBytesInFlight = 8 << 20;

    /// <summary>
    /// 1 MiB: the most bytes background writeback keeps in flight while flushes come often
    /// (WritebackCounts.FlushedRecently). A flush's own write waits for what is queued at the device
    /// ahead of it: behind 8 MiB of a bulk writer's runs, a small file's append and flush every
    /// 5 ms took 2.8 ms at the median, 0.9 ms behind 1 MiB (1.6 ms behind 2 MiB), while the bulk
    /// writer's device rate went from 1,544 to 1,422 MiB/s.
    /// </summary>
    private const int BackgroundBytesNearFlushes = 1 << 20;

    /// <summary>The bytes one writeback may keep in flight: fewer for background writeback while flushes come often.</summary>
    private long BytesAllowedInFlight(bool background) =>
        background && _counts.FlushedRecently(_clock.NowTick) ? BackgroundBytesNearFlushes : MaxBytesInFlight;
    private WritebackWorkers? _ioThreads; // (I after EnableParallelWrites)
    private readonly Stack<PendingRun> _idleRuns = new(); // (itself) runs' state between uses: at most one per write ever in flight

    public ClusterWriter(FramePool pool, PageHolds holds, Pager pager, PageTransitions transitions, CacheCounters counters, WritebackCounts counts, Verify verify, CacheClock clock, ProgressSignal progress, CacheLimits limits, Canaries canaries)
    {
        _progress = progress;
        _pool = pool;
        _clock = clock;
        _holds = holds;
        _pager = pager;
        _transitions = transitions;
        _counters = counters;
        _counts = counts;
        _verify = verify;
        _maxClusterPages = limits.MaxClusterPages;
        _maxRunsInFlight = limits.MaxWritesInFlight;
        _canaries = canaries;
    }

    /// <summary>
    /// From now on writes the runs of one writeback on <paramref name="ioThreads"/>, several in
    /// flight; before, and in caches without a page writer thread (tests), one at a time in order.
    /// </summary>
    public void EnableParallelWrites(WritebackWorkers ioThreads) => _ioThreads = ioThreads;

    /// <summary>
    /// Writes back the dirty pages of [<paramref name="fromPage"/>, <paramref name="toPage"/>).
    /// With <paramref name="waitForGate"/> it waits for a size change in progress (data integrity);
    /// without, it skips the file (memory cleaning). Never throws for store failures: they are in the outcome.
    /// </summary>
    public WritebackOutcome WriteBack(FileObject file, long fromPage, long toPage, bool waitForGate, Deadline deadline, WritebackLimits limits = default)
    {
        var outcome = new WritebackOutcome();
        if (!BeginWriteback(file, waitForGate, deadline, outcome))
        {
            return outcome;
        }

        try
        {
            // A store whose writes wait for a device (O_DIRECT, a network store) gets several
            // writes in flight; a buffered file or memory store's write is a memory copy, cheapest
            // done here, in order.
            bool parallel = _ioThreads is not null && file.Store is not (MemoryBackingStore or FileBackingStore { IsDirectIO: false });
            if (parallel && file.Store is FileBackingStore { DirectDescriptor: >= 0 } direct && TryRentRing() is { } ring)
            {
                outcome.NextPage = WriteRunsThroughRing(file, direct.DirectDescriptor, fromPage, toPage, limits, outcome, ring, background: !waitForGate);
            }
            else
            {
                outcome.NextPage = parallel
                    ? WriteRunsInParallel(file, fromPage, toPage, limits, outcome, _ioThreads!, background: !waitForGate)
                    : WriteRunsInOrder(file, fromPage, toPage, limits, outcome);
            }
        }
        finally
        {
            file.Gate.ExitIo();
        }

        return outcome;
    }

    /// <summary>
    /// Cuts the store to a length a failed size change left pending, inside a size change of its
    /// own so no writeback is in flight. With <paramref name="wait"/> false it does not wait for
    /// the size-change gate: memory cleaning may run under page holds (reclaim), and a size change
    /// in progress may be waiting for one of them, so waiting there could close a cycle; it returns
    /// false instead and the cut is left for later. Throws <see cref="BackingStoreException"/>.
    /// </summary>
    public static bool ApplyPendingTruncate(FileObject file, Deadline deadline, bool wait)
    {
        if (file.PendingStoreTruncate < 0)
        {
            return true;
        }

        if (wait)
        {
            file.Gate.EnterResize(deadline);
        }
        else if (!file.Gate.TryEnterResize())
        {
            return false;
        }

        try
        {
            long target = file.PendingStoreTruncate;
            if (target >= 0)
            {
                // The size may have grown past the cut since (a later extension, or a later
                // truncate whose own store change failed, leaving a hole at the end): the store
                // then goes back up to it, as the size change would have set it. Stable here.
                long size = file.Size;
                file.MarkStoreChanged();
                try
                {
                    file.Store.SetLength(target);
                    if (size > target)
                    {
                        file.Store.SetLength(size);
                    }
                }
                catch (Exception e)
                {
                    throw new BackingStoreException("set the length of", file.Name, target, 0, e);
                }

                using (LockOrder.Enter(file.Lock, LockRank.FileObject))
                {
                    file.PendingStoreTruncate = -1;
                    file.StoreLength = Math.Max(target, size);
                }
            }
        }
        finally
        {
            file.Gate.ExitResize();
        }

        return true;
    }

    private static bool BeginWriteback(FileObject file, bool waitForGate, Deadline deadline, WritebackOutcome outcome)
    {
        try
        {
            if (!ApplyPendingTruncate(file, deadline, wait: waitForGate))
            {
                outcome.Skipped = true; // a size change is in progress: memory cleaning skips the file
                return false;
            }
        }
        catch (Exception e) when (e is BackingStoreException or TimeoutException)
        {
            outcome.Error = e;
            outcome.Skipped = true;
            return false;
        }
        catch (ObjectDisposedException)
        {
            outcome.Skipped = true; // closed: everything it had was durable
            return false;
        }

        if (waitForGate)
        {
            outcome.Skipped = !file.Gate.EnterIo(deadline);
            return !outcome.Skipped;
        }

        outcome.Skipped = !file.Gate.TryEnterIo();
        return !outcome.Skipped;
    }

    /// <summary>
    /// Under the file lock, claims the next run of consecutive dirty pages at or after
    /// <paramref name="cursor"/>; returns where the next search starts.
    /// </summary>
    private long GatherRun(FileObject file, long cursor, long toPage, WritebackLimits limits, List<ClaimedPage> run, WritebackOutcome outcome)
    {
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            long page;
            while (true)
            {
                if (!file.Index.FindNextLocked(cursor, toPage, PageTag.Dirty, out page, out int first))
                {
                    return toPage;
                }

                // Expiry (Linux's kupdate): a run starts only at a page dirty for long enough;
                // younger neighbours join it, since they cost little once the device is writing.
                bool expired = limits.ExpiredAtTick is not { } expiredAt || _pool.Metadata(first).DirtiedAtTick - expiredAt <= 0;
                if (expired && (limits.MinRunPages <= 1 || IsLongEnoughLocked(file, page, toPage, limits)))
                {
                    break;
                }

                cursor = page + 1;
            }

            long size = file.Size;
            while (run.Count < _maxClusterPages && page < toPage)
            {
                int frame = file.Index.Lookup(page);
                if (frame < 0 || !file.Index.HasTagLocked(page, PageTag.Dirty))
                {
                    break;
                }

                ref FrameMetadata metadata = ref _pool.Metadata(frame);
                int state = Volatile.Read(ref metadata.State);
                if ((state & PageState.Writeback) != 0)
                {
                    outcome.Busy.Add((page, frame));
                    page++;
                    break;
                }

                if (limits.SkipBusy && (state & PageState.Exclusive) != 0)
                {
                    page++; // being written: it would only be dirtied again
                    break;
                }

                if (!TryClaim(file, frame, page, size, run))
                {
                    page++;
                    break;
                }

                page++;
                if (!IsWholePage(run[^1]))
                {
                    break; // a page written in pieces ends its run
                }
            }

            return page;
        }
    }

    /// <summary>
    /// Whether the run of dirty pages at <paramref name="page"/> is worth writing in the background:
    /// at least MinRunPages long, or not growing (its last page was dirtied StillGrowingTicks ago or
    /// earlier, so no writer is extending it: a random writer's pages are written, not held back).
    /// </summary>
    private bool IsLongEnoughLocked(FileObject file, long page, long toPage, WritebackLimits limits)
    {
        // Counts the pages the run would take: a page being written (held Exclusive, skipped) or
        // already under writeback ends it, as it would end the run itself. A run at end of file is
        // no exception: an appending writer is about to make it longer.
        int blocking = PageState.Writeback | (limits.SkipBusy ? PageState.Exclusive : 0);
        long end = page;
        while (end < toPage && end - page < limits.MinRunPages && file.Index.HasTagLocked(end, PageTag.Dirty)
            && (Volatile.Read(ref _pool.Metadata(file.Index.Lookup(end)).State) & blocking) == 0)
        {
            end++;
        }

        if (end - page >= limits.MinRunPages)
        {
            return true;
        }

        return end > page && _clock.NowTick - _pool.Metadata(file.Index.Lookup(end - 1)).DirtiedAtTick >= StillGrowingTicks;
    }

    /// <summary>Marks a dirty page clean and under writeback, remembering the sectors it took (Haiku: clean before writing).</summary>
    private bool TryClaim(FileObject file, int frame, long page, long size, List<ClaimedPage> run)
    {
        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        _verify.That(metadata.FileId == file.Id && metadata.PageNumber == page, $"Frame {frame} in the index of '{file.Name}' holds its page {page}; otherwise another file's data would be written here.");
        long pageStart = page << _pool.PageShift;
        if (!_transitions.TryClaimForWritebackLocked(file, page, frame, out UInt128 dirty, out UInt128 valid))
        {
            return false;
        }

        _verify.That(pageStart < size, $"Dirty page {page} of '{file.Name}' lies within its size of {size} bytes; writing it would resurrect truncated data.");
        int clipped = _canaries.SkipEofClipping ? _pool.PageSize : (int)Math.Min(_pool.PageSize, size - pageStart);
        run.Add(new ClaimedPage(frame, page, dirty, valid, clipped));
        return true;
    }

    private bool IsWholePage(ClaimedPage page) => page.ValidSnapshot == SectorMask.Full(_pool.PageSize);

    /// <summary>Claims and writes runs one at a time on this thread; returns where it stopped.</summary>
    private long WriteRunsInOrder(FileObject file, long fromPage, long toPage, WritebackLimits limits, WritebackOutcome outcome)
    {
        // Taken from the thread for the call and given back after, so a writeback nested in this
        // one on the same thread (a store that writes through another cache) gets one of its own.
        PendingRun run = s_threadRun ?? new PendingRun(this);
        s_threadRun = null;
        try
        {
            long cursor = fromPage;
            while (cursor < toPage && (limits.MaxPages <= 0 || outcome.PagesClaimed < limits.MaxPages))
            {
                run.Pages.Clear();
                cursor = GatherRun(file, cursor, toPage, limits, run.Pages, outcome);
                if (run.Pages.Count == 0)
                {
                    break;
                }

                outcome.PagesClaimed += run.Pages.Count;
                Issue(file, run, outcome);

                // Writers paused at the limit wake as writes complete, not only when data becomes durable.
                _progress.Pulse(_counts.PagesToWrite);
            }

            return cursor;
        }
        finally
        {
            run.Reset();
            s_threadRun = run;
        }
    }

    /// <summary>
    /// Claims runs in file order and hands each to the I/O threads as soon as it is claimed,
    /// keeping up to MaxWritesInFlight writes (one per thread) in flight all along (a pipeline, not batches, so the
    /// device's queue does not drain between them); returns where it stopped once all have ended.
    /// The runs' state comes from a pool, so a writeback allocates only its window.
    /// </summary>
    private long WriteRunsInParallel(FileObject file, long fromPage, long toPage, WritebackLimits limits, WritebackOutcome outcome, WritebackWorkers threads, bool background)
    {
        var window = new WriteWindow();
        long cursor = fromPage;
        try
        {
            while (cursor < toPage && (limits.MaxPages <= 0 || outcome.PagesClaimed < limits.MaxPages))
            {
                PendingRun run = TakeIdleRun();
                cursor = GatherRun(file, cursor, toPage, limits, run.Pages, outcome);
                if (run.Pages.Count == 0)
                {
                    GiveBackIdleRun(run);
                    break;
                }

                outcome.PagesClaimed += run.Pages.Count;

                int runBytes = run.Pages.Count << _pool.PageShift;
                int maxRuns = Math.Min(_maxRunsInFlight, threads.Count); // more would only queue for a thread
                window.Enter(WritesAllowedInFlight(background, maxRuns), runBytes, BytesAllowedInFlight(background));
                run.Start(file, outcome, window, runBytes);
                threads.Post(run.Execute);
            }
        }
        finally
        {
            // Every claimed run is written (or failed) before the gate is left.
            window.WaitEmpty();
        }

        window.ThrowIfFailed();
        return cursor;
    }

    /// <summary>
    /// Writes a claimed run, one vectored write per contiguous stretch, then completes every page.
    /// Runs of one writeback may be issued on several threads: what they share of the outcome is
    /// changed under its lock.
    /// </summary>
    private void Issue(FileObject file, PendingRun pending, WritebackOutcome outcome)
    {
        List<ClaimedPage> run = pending.Pages;
        List<ReadOnlyMemory<byte>> segments = pending.Segments;
        RunResult result = pending.Result;
        result.Reset();
        bool[] failed = pending.FailedFor(run.Count);
        segments.Clear();
        long stretchStart = -1;
        long stretchEnd = -1;
        int stretchFirstPage = 0;
        for (int i = 0; i < run.Count; i++)
        {
            ClaimedPage page = run[i];
            long pageStart = page.PageNumber << _pool.PageShift;
            UInt128 pieces = IsWholePage(page) ? SectorMask.Full(_pool.PageSize) : page.DirtySnapshot;
            int sectorCount = _pool.PageSize >> SectorMask.SectorShift;
            int from = 0;
            while (SectorMask.NextRun(pieces, from, sectorCount, out int first, out int count))
            {
                from = first + count;
                int start = first << SectorMask.SectorShift;
                int length = Math.Min(count << SectorMask.SectorShift, page.ClippedLength - start);
                if (length <= 0)
                {
                    continue; // wholly past end of file: nothing to write
                }

                long offset = pageStart + start;
                if (offset != stretchEnd)
                {
                    WriteStretch(file, segments, stretchStart, stretchEnd, stretchFirstPage, i, failed, result);
                    stretchStart = offset;
                    stretchFirstPage = i;
                }

                segments.Add(_pool.Memory(page.Frame).Slice(start, length));
                stretchEnd = offset + length;
            }
        }

        WriteStretch(file, segments, stretchStart, stretchEnd, stretchFirstPage, run.Count, failed, result);
        using (LockOrder.Enter(outcome, LockRank.Leaf))
        {
            outcome.BytesWritten += result.BytesWritten;
            outcome.Error ??= result.Error;
            outcome.FailedRanges.AddRange(result.FailedRanges);
        }

        Complete(file, run, failed, outcome, result);
        segments.Clear();
    }

    /// <summary>Issues the pending stretch; on failure marks pages [firstPage, endPage) of the run failed.</summary>
    private void WriteStretch(FileObject file, List<ReadOnlyMemory<byte>> segments, long start, long end, int firstPage, int endPage, bool[] failed, RunResult result)
    {
        if (segments.Count == 0)
        {
            return;
        }

        try
        {
            _pager.Write(file, segments, start, end - start);
            result.BytesWritten += end - start;
        }
        catch (Exception e) when (e is not PageCacheInvariantException)
        {
            result.Error ??= e;
            result.FailedRanges.Add(new ByteRange(start, end - start));
            for (int i = firstPage; i < Math.Min(endPage + 1, failed.Length); i++)
            {
                failed[i] = true;
            }
        }

        segments.Clear();
    }

    /// <summary>
    /// Completion: written pages become unsynced, failed ones dirty again with the sectors they had.
    /// A failure is recorded on the file (it starts or extends an error epoch); a page written after
    /// its write had failed counts towards the epoch's end.
    /// </summary>
    private void Complete(FileObject file, List<ClaimedPage> run, bool[] failed, WritebackOutcome outcome, RunResult result)
    {
        int newlyFailed = 0;
        int recovered = 0;
        int written = 0;
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            for (int i = 0; i < run.Count; i++)
            {
                ClaimedPage page = run[i];

                // A failed page counts as dirty again at once; a written one stays counted under
                // writeback until ReleaseWriteback clears its bit, after the file lock (PageTransitions).
                bool pageFailed = failed[i] && !_canaries.DropPageAfterFailedWrite; // the canary treats it as written
                switch (_transitions.CompleteWritebackLocked(file, page.PageNumber, page.Frame, pageFailed, page.DirtySnapshot))
                {
                    case PageTransitions.Completion.NewlyFailed:
                        newlyFailed++;
                        continue;
                    case PageTransitions.Completion.Failed:
                        continue;
                    case PageTransitions.Completion.Recovered:
                        recovered++;
                        break;
                }

                written++;
                _counters.PagesWritten.Increment();
                file.StoreLength = Math.Max(file.StoreLength, (page.PageNumber << _pool.PageShift) + page.ClippedLength);
            }

            if (recovered > 0)
            {
                file.Errors.RecordRecoveryLocked(recovered);
            }

            if (written > 0)
            {
                file.Device.AddPagesWrittenLocked(file, written, _clock.NowTick);
            }

            if (result.Error is not null && Array.IndexOf(failed, true) >= 0)
            {
                file.RecordFailureLocked(result.Error, result.FailedRanges[^1], newlyFailed, _clock.NowTick);
            }
            else if (result.BytesWritten > 0)
            {
                file.RecordSuccessLocked();
            }
        }

        using (LockOrder.Enter(outcome, LockRank.Leaf))
        {
            outcome.PagesWritten += written;
        }

        foreach (ClaimedPage page in run)
        {
            _holds.ReleaseWriteback(page.Frame, file);
        }
    }

    private PendingRun TakeIdleRun()
    {
        using (LockOrder.Enter(_idleRuns, LockRank.Leaf))
        {
            return _idleRuns.TryPop(out PendingRun? run) ? run : new PendingRun(this);
        }
    }

    private void GiveBackIdleRun(PendingRun run)
    {
        using (LockOrder.Enter(_idleRuns, LockRank.Leaf))
        {
            _idleRuns.Push(run);
        }
    }

    // Per-thread scratch state, taken by a writeback for its duration and given back after, so
    // writing back a cluster does not allocate its page and segment lists each time.
    [ThreadStatic]
    private static PendingRun? s_threadRun;

    /// <summary>The state of one run being written: its pages, segments, result and failure marks, reused run after run.</summary>
    private sealed class PendingRun
    {
        private readonly ClusterWriter _writer;
        private bool[] _failed = new bool[16];
        private FileObject? _file; // set by Start for a run handed to the I/O threads
        private WritebackOutcome? _outcome;
        private WriteWindow? _window;
        private int _byteCount;

        public PendingRun(ClusterWriter writer)
        {
            _writer = writer;
            Execute = Run;
        }

        public List<ClaimedPage> Pages { get; } = new(16);

        public List<ReadOnlyMemory<byte>> Segments { get; } = new(16);

        public RunResult Result { get; } = new();

        /// <summary>The job an I/O thread runs: writes the run, then returns it to the pool.</summary>
        public Action Execute { get; }

        public bool[] FailedFor(int pageCount)
        {
            if (_failed.Length < pageCount)
            {
                _failed = new bool[Math.Max(pageCount, _failed.Length * 2)];
            }

            Array.Clear(_failed, 0, pageCount);
            return _failed;
        }

        /// <summary>When a run written through io_uring was submitted (for its latency) and its bytes.</summary>
        public long SubmittedAt { get; private set; }

        public int SubmittedBytes { get; private set; }

        public void Start(FileObject file, WritebackOutcome outcome, WriteWindow window, int byteCount) => (_file, _outcome, _window, _byteCount) = (file, outcome, window, byteCount);

        public void StartSubmitted(long submittedAt, int byteCount) => (SubmittedAt, SubmittedBytes) = (submittedAt, byteCount);

        public void Reset()
        {
            Pages.Clear();
            Segments.Clear();
            (_file, _outcome, _window) = (null, null, null);
        }

        private void Run()
        {
            WriteWindow window = _window!;
            int byteCount = _byteCount;
            try
            {
                _writer.Issue(_file!, this, _outcome!);
                _writer._progress.Pulse(_writer._counts.PagesToWrite);
            }
            catch (Exception e)
            {
                window.Fail(e);
            }
            finally
            {
                Reset();
                _writer.GiveBackIdleRun(this);
                window.Exit(byteCount);
            }
        }
    }

    /// <summary>Bounds the writes of one writeback in flight on the I/O threads, and waits for them all.</summary>
    private sealed class WriteWindow
    {
        private readonly object _monitor = new();
        private int _inFlight; // (_monitor)
        private long _bytesInFlight; // (_monitor)
        private Exception? _failure; // (_monitor) a bug in a job, rethrown to the writeback's caller

        public void Enter(int maxInFlight, int byteCount, long maxBytesInFlight)
        {
            using (LockOrder.Enter(_monitor, LockRank.Leaf))
            {
                while (_inFlight >= maxInFlight || (_inFlight > 0 && _bytesInFlight + byteCount > maxBytesInFlight))
                {
                    LockOrder.Wait(_monitor, LockRank.Leaf);
                }

                _inFlight++;
                _bytesInFlight += byteCount;
            }
        }

        public void Exit(int byteCount)
        {
            using (LockOrder.Enter(_monitor, LockRank.Leaf))
            {
                _inFlight--;
                _bytesInFlight -= byteCount;
                Monitor.Pulse(_monitor);
            }
        }

        public void Fail(Exception e)
        {
            using (LockOrder.Enter(_monitor, LockRank.Leaf))
            {
                _failure ??= e;
            }
        }

        public void WaitEmpty()
        {
            using (LockOrder.Enter(_monitor, LockRank.Leaf))
            {
                while (_inFlight > 0)
                {
                    LockOrder.Wait(_monitor, LockRank.Leaf);
                }
            }
        }

        public void ThrowIfFailed()
        {
            using (LockOrder.Enter(_monitor, LockRank.Leaf))
            {
                if (_failure is not null)
                {
                    throw new InvalidOperationException("A write on an I/O thread failed.", _failure);
                }
            }
        }
    }

    /// <summary>What the writes of one run did, kept apart so runs written in parallel do not share it.</summary>
    private sealed class RunResult
    {
        public long BytesWritten { get; set; }

        public Exception? Error { get; set; }

        public List<ByteRange> FailedRanges { get; } = [];

        public void Reset()
        {
            BytesWritten = 0;
            Error = null;
            FailedRanges.Clear();
        }
    }

    private readonly record struct ClaimedPage(int Frame, long PageNumber, UInt128 DirtySnapshot, UInt128 ValidSnapshot, int ClippedLength);
}
