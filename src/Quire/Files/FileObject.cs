// FileObject: the cache's one record per file (a VM object per vnode): the page index, the
// logical size, the backing store, and the gate that orders writeback against size changes.
// Handles (CachedFile) come and go; the file object lives while any handle is open or while it
// holds data that is not yet durable.
//
// Locking: Lock (F) guards the index, the size's writes, StoreLength and SyncGeneration. The
// size is read without the lock (a volatile read), so hits can clip at end of file cheaply.
// _gate is a monitor of its own, never taken with Lock held, guarding the writeback gate
// (_writebacksInFlight, _resizing, _closing, _closed): writebacks of a file and changes of its
// size exclude each other, so a write issued against the old size can never land after the store
// was cut (P7); a close waits for writebacks in flight and lets none begin after it, so nothing
// touches a disposed store.
// Invariants: every frame in Index holds page (Id, page number); no page at or past
// ceil(Size / page size) is in Index once a SetLength has returned.

using System.Diagnostics;
using Quire.Internal;

namespace Quire.Files;

internal sealed class FileObject
{
    private readonly object _gate = new(); // monitor for the writeback gate
    private long _size; // (F) writes; lock-free reads
    private int _writebacksInFlight; // (_gate)
    private bool _resizing; // (_gate)
    private bool _closing; // (_gate) a close waits for writebacks in flight; none begins meanwhile
    private bool _closed; // (_gate) the store is being or was disposed: no writeback may begin
    private int _dirtyPageCount; // (A)
    private long _pendingStoreTruncate = -1; // (F) writes; lock-free reads
    private int _writebackPageCount; // (A)
    private int _unsyncedPageCount; // (A)
    private int _pagesToWrite; // (A) dirty + writeback, kept apart so its transitions through 0 are exact
    private int _errorEpoch; // (F) error epochs so far (P3); 0 while the file never failed
    private bool _epochReported; // (F) whether any cursor has reported the current epoch
    private int _failedPageCount; // (F) pages with PageState.WriteFailed; the epoch lasts while > 0
    private Exception? _lastError; // (F)
    private readonly List<ByteRange> _epochRanges = []; // (F) ranges that failed in the current epoch, bounded
    private int _consecutiveFailures; // (F) for the page writer's back-off

    public FileObject(int id, object key, IBackingStore store, bool isWritable, long size, WriteDevice? device = null)
    {
        Id = id;
        Device = device ?? new WriteDevice(store, PageCacheOptions.MinPageSize);
        Key = key;
        Store = store;
        Name = store.Name;
        IsWritable = isWritable;
        _size = size;
        StoreLength = size;
    }

    public int Id { get; }

    /// <summary>(I) The key the file table knows the file by: its full path, or the store itself.</summary>
    public object Key { get; }

    /// <summary>(I) The file's path or the store's name, for messages.</summary>
    public string Name { get; }

    public IBackingStore Store { get; }

    public bool IsWritable { get; }

    public Lock Lock { get; } = new();

    /// <summary>
    /// Held across the store's durable flush and the page transitions after it (FileSync), so the
    /// durable flushes of a file run one at a time: a flush that succeeds after another failed
    /// must not call durable what the failure may have dropped (the OS drops pages after a failed
    /// fsync, and the next fsync on the descriptor succeeds). Taken inside the writeback gate,
    /// before Lock.
    /// </summary>
    public Lock SyncLock { get; } = new();

    /// <summary>(F) The resident pages.</summary>
    public PageIndex Index { get; } = new();

    /// <summary>The logical size in bytes. Read without the lock.</summary>
    public long Size => Volatile.Read(ref _size);

    /// <summary>
    /// (F) The length the store must be cut to (or, if shorter, brought up to) before anything else
    /// is written to it, after a size change whose store truncation failed; -1 when none is pending. Bytes of the store at
    /// or past it are stale and read as zeros.
    /// </summary>
    public long PendingStoreTruncate
    {
        get => Volatile.Read(ref _pendingStoreTruncate);
        set => Volatile.Write(ref _pendingStoreTruncate, value);
    }

    /// <summary>Where the store's meaningful bytes end: bytes read from at or past here are zeros.</summary>
    public long ReadableEnd
    {
        get
        {
            long pending = PendingStoreTruncate;
            long size = Size;
            return pending >= 0 ? Math.Min(size, pending) : size;
        }
    }

    /// <summary>(F) The store's length as far as the cache has set or extended it.</summary>
    public long StoreLength { get; set; }

    /// <summary>(F) The generation of the next durable flush of the store: pages written to the store record it.</summary>
    public int SyncGeneration { get; set; }

    /// <summary>(FileTable lock) The number of open handles.</summary>
    public int HandleCount { get; set; }

    /// <summary>The number of resident pages with dirty sectors.</summary>
    public int DirtyPageCount => Volatile.Read(ref _dirtyPageCount);

    /// <summary>The number of pages whose write is in flight.</summary>
    public int WritebackPageCount => Volatile.Read(ref _writebackPageCount);

    /// <summary>The number of pages written but not yet durable.</summary>
    public int UnsyncedPageCount => Volatile.Read(ref _unsyncedPageCount);

    /// <summary>Pages not yet durable: dirty, under writeback or unsynced, each counted once (PageTransitions).</summary>
    public int NotDurablePageCount => DirtyPageCount + WritebackPageCount + UnsyncedPageCount;

    /// <summary>Pages the throttle counts: dirty or under writeback.</summary>
    public int PagesToWrite => Volatile.Read(ref _pagesToWrite);

    /// <summary>(F) The page writer's cyclic position in the file (Linux's writeback_index).</summary>
    public long WritebackCursor { get; set; }

    /// <summary>(F) The page writer leaves the file alone until this clock tick after a failed write (back-off).</summary>
    public int RetryAfterTick { get; set; }

    /// <summary>(I) The device the file writes to: its bandwidth and dirty rate limit are shared by every file on it.</summary>
    public WriteDevice Device { get; }

    /// <summary>(F) The file's recent writeout in pages, aged to <see cref="WriteoutPeriod"/> (WriteDevice step 3).</summary>
    public long WriteoutPages { get; set; }

    /// <summary>(F) The writeout period <see cref="WriteoutPages"/> was last aged to.</summary>
    public int WriteoutPeriod { get; set; }

    /// <summary>(F) The current error epoch: a cursor that differs has an error to report.</summary>
    public int ErrorEpoch => _errorEpoch;

    /// <summary>(F) The last failure recorded, or null.</summary>
    public Exception? LastError => _lastError;

    /// <summary>(F) Whether an error epoch is in progress: some page's write failed and it was not written since.</summary>
    public bool IsFailing => _failedPageCount > 0;

    public void AddWritebackPages(int delta) => Check(Interlocked.Add(ref _writebackPageCount, delta));

    public void AddUnsyncedPages(int delta) => Check(Interlocked.Add(ref _unsyncedPageCount, delta));

    /// <summary>Counts pages that started (+) or stopped (-) needing a write; tells the device when the file starts or stops writing.</summary>
    public void AddPagesToWrite(int delta)
    {
        int after = Interlocked.Add(ref _pagesToWrite, delta);
        Check(after);
        if (after == delta && delta > 0)
        {
            Device.AddFileWriting(1);
        }
        else if (after == 0 && delta < 0)
        {
            Device.AddFileWriting(-1);
        }
    }

    /// <summary>
    /// Records that <paramref name="newlyFailedPages"/> pages' write or durable flush failed. The first
    /// failure after the file was healthy starts a new error epoch (RELIABILITY P3).
    /// </summary>
    public void RecordFailureLocked(Exception error, ByteRange range, int newlyFailedPages, int nowTick)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The file lock is held.");
        if (_failedPageCount == 0)
        {
            _errorEpoch++;
            _epochReported = false;
            _epochRanges.Clear();
        }

        _failedPageCount += newlyFailedPages;
        _lastError = error;
        if (_epochRanges.Count < MaxRangesPerEpoch)
        {
            _epochRanges.Add(range);
        }

        // Back off exponentially, 100 ms doubling up to 30 s, so a failing device is not hammered
        // and other files keep being written. A failure retrying cannot heal (a read-only file
        // system, a size past the store's largest) goes to the longest back-off at once: the page
        // writer still looks every 30 s (a file system may be remounted, the file truncated by
        // another program), and every flush still tries and reports it.
        _consecutiveFailures = IOErrorKinds.IsPermanent(IOErrorKinds.Classify(error)) ? 16 : Math.Min(_consecutiveFailures + 1, 16);
        int backoffMilliseconds = (int)Math.Min(30_000, 100L << (_consecutiveFailures - 1));
        RetryAfterTick = nowTick + (backoffMilliseconds / CacheClock.TickMilliseconds);
    }

    /// <summary>Records that <paramref name="recoveredPages"/> pages that had failed were written.</summary>
    public void RecordRecoveryLocked(int recoveredPages)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The file lock is held.");
        _failedPageCount -= recoveredPages;
        Debug.Assert(_failedPageCount >= 0, $"'{Name}' counts a non-negative number of failed pages.");
    }

    /// <summary>Records a successful writeback: the back-off ends.</summary>
    public void RecordSuccessLocked() => _consecutiveFailures = 0;

    /// <summary>A new cursor's starting point: an epoch nobody has reported is reported to the next flusher (Linux 4.17's errseq rule).</summary>
    public int NewErrorCursorLocked() => _epochReported || _errorEpoch == 0 ? _errorEpoch : _errorEpoch - 1;

    /// <summary>If <paramref name="cursor"/> has not seen the current epoch, advances it and returns the error to report.</summary>
    public WritebackFailedException? ConsumeEpochLocked(ref int cursor)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The file lock is held.");
        if (cursor == _errorEpoch)
        {
            return null;
        }

        cursor = _errorEpoch;
        _epochReported = true;
        var ranges = new List<ByteRange>(_epochRanges);
        ranges.Sort((a, b) => a.FileOffset.CompareTo(b.FileOffset));
        return new WritebackFailedException(Name, ranges, _lastError);
    }

    /// <summary>
    /// The cache-wide flush's variant of <see cref="ConsumeEpochLocked"/>: it reports through its own
    /// cursor and does not count as a report to the handles, so each of them still sees the epoch.
    /// </summary>
    public WritebackFailedException? ConsumeEpochForCacheLocked(ref int cursor)
    {
        bool reported = _epochReported;
        WritebackFailedException? error = ConsumeEpochLocked(ref cursor);
        _epochReported = reported;
        return error;
    }

    /// <summary>Whether an error epoch exists that no cursor has reported: the file object must then outlive its handles (E4).</summary>
    public bool HasUnreportedErrorLocked => _errorEpoch != 0 && !_epochReported;

    private const int MaxRangesPerEpoch = 64; // bounds the memory an epoch of many failures keeps

    private void Check(int after) => Debug.Assert(after >= 0, $"'{Name}' counts non-negative pages.");

    public void SetSizeLocked(long size)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The file lock is held.");
        Debug.Assert(size >= 0, "Sizes are non-negative.");
        Volatile.Write(ref _size, size);
    }

    public void AddDirtyPages(int delta)
    {
        int after = Interlocked.Add(ref _dirtyPageCount, delta);
        Debug.Assert(after >= 0, $"'{Name}' counts a non-negative number of dirty pages.");
    }

    /// <summary>Lets a writeback of this file start unless its size is changing or it is closed; returns false then.</summary>
    public bool TryBeginWriteback()
    {
        lock (_gate)
        {
            if (_resizing || _closing || _closed)
            {
                return false;
            }

            _writebacksInFlight++;
            return true;
        }
    }

    /// <summary>
    /// Lets a writeback start, waiting while the size changes; returns false if the file is closed
    /// (its data was all durable when it closed). Throws <see cref="TimeoutException"/> at the deadline.
    /// </summary>
    public bool BeginWriteback(Deadline deadline)
    {
        lock (_gate)
        {
            while ((_resizing || _closing) && !_closed)
            {
                if (deadline.HasExpired)
                {
                    throw new TimeoutException($"Waited too long for a size change of '{Name}' to finish before writing it back.");
                }

                Monitor.Wait(_gate, deadline.RemainingMilliseconds);
            }

            if (_closed)
            {
                return false;
            }

            _writebacksInFlight++;
            return true;
        }
    }

    /// <summary>
    /// Starts closing the file: holds new writebacks back and waits for those in flight (the page
    /// writer's, which may hold the file from a snapshot) to end. Returns false, changing nothing,
    /// if a size change or another close runs, or at the deadline. <see cref="EndClose"/> follows a true return.
    /// </summary>
    public bool BeginClose(Deadline deadline)
    {
        lock (_gate)
        {
            if (_resizing || _closing || _closed)
            {
                return false;
            }

            _closing = true;
            while (_writebacksInFlight > 0)
            {
                if (deadline.HasExpired)
                {
                    _closing = false;
                    Monitor.PulseAll(_gate);
                    return false;
                }

                Monitor.Wait(_gate, deadline.RemainingMilliseconds);
            }

            return true;
        }
    }

    /// <summary>Ends a close: <paramref name="closed"/> says the store is being disposed (no writeback ever begins again), else the file stays open as it was.</summary>
    public void EndClose(bool closed)
    {
        lock (_gate)
        {
            Debug.Assert(_closing, "A close ends that began.");
            _closing = false;
            _closed = closed;
            Monitor.PulseAll(_gate);
        }
    }

    public void EndWriteback()
    {
        lock (_gate)
        {
            Debug.Assert(_writebacksInFlight > 0, "A writeback ends that began.");
            if (--_writebacksInFlight == 0)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Starts a size change: waits for other size changes and for every writeback in flight to end, and holds new ones back.</summary>
    public void BeginResize(Deadline deadline)
    {
        lock (_gate)
        {
            while (_resizing || _closing)
            {
                WaitGate(deadline);
            }

            ObjectDisposedException.ThrowIf(_closed, this);

            _resizing = true;
            while (_writebacksInFlight > 0)
            {
                if (deadline.HasExpired)
                {
                    _resizing = false;
                    Monitor.PulseAll(_gate);
                    throw new TimeoutException($"Waited too long for writes of '{Name}' in flight to finish before changing its size.");
                }

                Monitor.Wait(_gate, deadline.RemainingMilliseconds);
            }
        }
    }

    /// <summary>
    /// Begins a size change only if it needs no wait: no other size change or close in progress and
    /// no writeback in flight; false otherwise. For paths that may hold pages (see ClusterWriter).
    /// </summary>
    public bool TryBeginResize()
    {
        lock (_gate)
        {
            if (_resizing || _closing || _writebacksInFlight > 0)
            {
                return false;
            }

            ObjectDisposedException.ThrowIf(_closed, this);
            _resizing = true;
            return true;
        }
    }

    public void EndResize()
    {
        lock (_gate)
        {
            Debug.Assert(_resizing, "A size change ends that began.");
            _resizing = false;
            Monitor.PulseAll(_gate);
        }
    }

    private void WaitGate(Deadline deadline)
    {
        if (deadline.HasExpired)
        {
            throw new TimeoutException($"Waited too long for a size change of '{Name}' to finish.");
        }

        Monitor.Wait(_gate, deadline.RemainingMilliseconds);
    }
}
