// WritebackCounts: the cache-wide counts that steer writeback. Three gauges count the pages not
// yet durable, each page in exactly one by its state (PageTransitions keeps them): dirty, under
// writeback, unsynced. Two counts say who waits on writeback now: writers paused by the throttle
// (while any is, the page writer works for them) and reads of the store and data-integrity
// flushes in progress (while any is, background writeback keeps few writes queued at the device;
// for reads, unless a writer was paused within the last tick: then those writes are what it waits
// for).
//
// Locking: every count is an int changed with Interlocked, on state transitions and at the start
// and end of a wait, never on a cache hit; reads are racy snapshots a policy tolerates.

using System.Diagnostics;

namespace Quire.Files;

internal sealed class WritebackCounts
{
    private int _dirtyPages; // (A)
    private int _writebackPages; // (A)
    private int _unsyncedPages; // (A)
    private int _throttledWriters; // (A)
    private int _foregroundIos; // (A)
    private int _flushesWaitedFor; // (A) the data-integrity flushes among the foreground I/Os
    private int _lastFlushTick = int.MinValue / 2; // (A) the cache tick at which a flush last ended
    private int _lastPauseTick = int.MinValue / 2; // (A) the cache tick at which a throttle pause last ended

    public int DirtyPages => Volatile.Read(ref _dirtyPages);

    public int WritebackPages => Volatile.Read(ref _writebackPages);

    public int UnsyncedPages => Volatile.Read(ref _unsyncedPages);

    /// <summary>Pages to write: dirty or under writeback (Linux's NR_FILE_DIRTY + NR_WRITEBACK), what the throttle and the page writer's thresholds count.</summary>
    public int PagesToWrite => WritebackPages + DirtyPages; // read against the flow: a page moving on is missed, never counted twice

    /// <summary>Pages not durable yet, whatever their state: each keeps its frame until a durable flush.</summary>
    public int NotDurablePages => UnsyncedPages + WritebackPages + DirtyPages;

    /// <summary>Writers paused by the throttle right now: while any is, the page writer works for them.</summary>
    public int ThrottledWriters => Volatile.Read(ref _throttledWriters);

    /// <summary>
    /// Reads of the store and data-integrity flushes in progress: someone waits for them, so
    /// background writeback keeps few writes in flight meanwhile (Linux's writeback throttling).
    /// </summary>
    public int ForegroundIos => Volatile.Read(ref _foregroundIos);

    /// <summary>
    /// Whether a writer is paused by the throttle now or was within the last tick (10-20 ms) at
    /// <paramref name="nowTick"/>: a writer that alternates pauses with reads of its own waits
    /// for writeback even while it reads (Linux's wb_recent_wait, 10 ms).
    /// </summary>
    public bool WritersWaitedRecently(int nowTick) => ThrottledWriters > 0 || nowTick - Volatile.Read(ref _lastPauseTick) <= 1;

    /// <summary>Notes that a throttle pause ended at <paramref name="nowTick"/>.</summary>
    public void NotePauseEnded(int nowTick) => Volatile.Write(ref _lastPauseTick, nowTick);

    public void AddDirtyPages(int delta) => Check(Interlocked.Add(ref _dirtyPages, delta));

    public void AddWritebackPages(int delta) => Check(Interlocked.Add(ref _writebackPages, delta));

    public void AddUnsyncedPages(int delta) => Check(Interlocked.Add(ref _unsyncedPages, delta));

    public void AddThrottledWriters(int delta) => Check(Interlocked.Add(ref _throttledWriters, delta));

    public void AddForegroundIos(int delta) => Check(Interlocked.Add(ref _foregroundIos, delta));

    /// <summary>
    /// Data-integrity flushes in progress (counted in <see cref="ForegroundIos"/> too): a flush is
    /// a commit someone waits for, so background writeback keeps few writes queued ahead of it
    /// even while a throttled writer waits (a WAL's flush must not queue behind a bulk load).
    /// </summary>
    public int FlushesWaitedFor => Volatile.Read(ref _flushesWaitedFor);

    /// <summary>
    /// Whether a data-integrity flush is in progress or ended within the last tick (10-20 ms) at
    /// <paramref name="nowTick"/>: a program that commits every few milliseconds (a WAL) is about
    /// to flush again, and its next flush waits for what background writeback queued meanwhile.
    /// </summary>
    public bool FlushedRecently(int nowTick) => FlushesWaitedFor > 0 || nowTick - Volatile.Read(ref _lastFlushTick) <= 1;

    /// <summary>Notes that a data-integrity flush ended at <paramref name="nowTick"/>.</summary>
    public void NoteFlushEnded(int nowTick) => Volatile.Write(ref _lastFlushTick, nowTick);

    /// <summary>Counts a data-integrity flush begun (+1) or ended (-1), in <see cref="ForegroundIos"/> too.</summary>
    public void AddFlushesWaitedFor(int delta)
    {
        Check(Interlocked.Add(ref _flushesWaitedFor, delta));
        AddForegroundIos(delta);
    }

    private static void Check(int after) => Debug.Assert(after >= 0, "Writeback counts never go negative.");
}
