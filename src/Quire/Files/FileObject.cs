// FileObject: the cache's one record per file (a VM object per vnode): the page index, the
// logical size, the backing store, the gate that orders I/O on the store against size changes
// and the close (StoreGate), the error sequence (ErrorSequence), the page counts that steer
// writeback, and the page writer's and the throttle's per-file state.
// Handles (CachedFile) come and go. A file opened by path outlives its last handle: once durable,
// its store is closed (detached: no descriptor is held) and its clean pages stay until reclaim takes
// them; a reopen attaches a new store if the file on disk is the one cached (Stamp). A store opened
// by the caller lives while any handle is open or while it holds data that is not yet durable.
//
// Locking: Lock (F) guards the index, the size's writes, StoreLength and SyncGeneration; the file
// table's lock (T) guards Key, Store, IsWritable, IsAttached, Stamp, IdleSequence and Sharing. The
// size is read without the lock (a volatile read), so hits can clip at end of file cheaply.
// Gate has a monitor of its own, never taken with Lock held; Errors is guarded by Lock.
// Invariants: every frame in Index holds page (Id, page number); no page at or past
// ceil(Size / page size) is in Index once a SetLength has returned.

using System.Diagnostics;
using Quire.Internal;

namespace Quire.Files;

internal sealed class FileObject
{
    private long _size; // (F) writes; lock-free reads
    private int _dirtyPageCount; // (A)
    private long _pendingStoreTruncate = -1; // (F) writes; lock-free reads
    private int _writebackPageCount; // (A)
    private int _unsyncedPageCount; // (A)
    private int _pagesToWrite; // (A) dirty + writeback, kept apart so its transitions through 0 are exact
    private int _consecutiveFailures; // (F) for the page writer's back-off
    private int _storeChangedSinceSync; // (A) set before the cache changes the store: no sync has covered the change yet
    private int _openedSinceSync; // (A) set at a writable open: the file may hold others' writes no sync of ours covered
    private IBackingStore _store; // (T) writes; read by I/O inside the store gate
    private bool _isWritable; // (T) writes; lock-free reads
    private int _writeLeases; // (A) write leases not yet released: each may dirty its page when released

    public FileObject(int id, object key, IBackingStore store, bool isWritable, long size, WriteDevice? device = null, bool keptWhenIdle = false)
    {
        Id = id;
        Device = device ?? new WriteDevice(store, PageCacheOptions.MinPageSize);
        Key = key;
        _store = store;
        Name = store.Name;
        _isWritable = isWritable;
        KeptWhenIdle = keptWhenIdle;
        IsAttached = true;
        Gate = new StoreGate(Name);
        Errors = new ErrorSequence(Name, Lock);
        _size = size;
        _openedSinceSync = isWritable ? 1 : 0;
        StoreLength = size;
    }

    public int Id { get; }

    /// <summary>
    /// (T) The key the file table knows the file by: its identity (device, inode), its full path where
    /// the OS gives none, or the store itself; the file object itself once retired (stale, see FileLifecycle).
    /// </summary>
    public object Key { get; set; }

    /// <summary>(I) The file's path or the store's name, for messages.</summary>
    public string Name { get; }

    /// <summary>(T) The store; while detached, the disposed one, which no I/O reaches: the store gate is closed.</summary>
    public IBackingStore Store => Volatile.Read(ref _store);

    /// <summary>(T) Whether the attached store was opened for writing.</summary>
    public bool IsWritable => Volatile.Read(ref _isWritable);

    /// <summary>(I) Whether the file outlives its last handle (opened by path: a reopen can open its store again).</summary>
    public bool KeptWhenIdle { get; }

    /// <summary>(T) Whether a store is open for the file: false once detached, until a reopen attaches one.</summary>
    public bool IsAttached { get; private set; }

    /// <summary>(T) What a stat of the file said when its store was detached: a reopen compares it with the file on disk.</summary>
    public FileStamp? Stamp { get; private set; }

    /// <summary>(T) When the file was detached, in detach order: the oldest idle files go first when too many are kept.</summary>
    public long IdleSequence { get; private set; }

    /// <summary>(T) The file's last name was deleted through the cache: its handles keep working, and its pages are dropped, never written back, when the last one closes.</summary>
    public bool Unlinked { get; set; }

    public Lock Lock { get; } = new();

    /// <summary>(I) Orders I/O on the store against size changes and the close.</summary>
    public StoreGate Gate { get; }

    /// <summary>(I) The file's error sequence: its error epochs and who has seen them (guarded by Lock).</summary>
    public ErrorSequence Errors { get; }

    /// <summary>
    /// Held across the store's durable flush and the page transitions after it (FileSync), so the
    /// durable flushes of a file run one at a time: a flush that succeeds after another failed
    /// must not call durable what the failure may have dropped (the OS drops pages after a failed
    /// fsync, and the next fsync on the descriptor succeeds). Taken inside the store gate's I/O side,
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

    /// <summary>(F) Durable flushes of the store that failed so far (each made dirty again what it was to make durable).</summary>
    public int SyncFailures { get; set; }

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

    /// <summary>
    /// Whether the store may hold a change of the cache's no successful sync has covered: set before
    /// every write to the store and every change of its length; cleared when a sync begins, set
    /// again if it fails.
    /// </summary>
    public bool StoreChangedSinceSync => Volatile.Read(ref _storeChangedSinceSync) != 0;

    /// <summary>
    /// Everything the cache wrote is durable: no page dirty, under writeback or unsynced, no store
    /// cut pending (a sync of the store does not make it; the next write-back does), and no change
    /// the cache made to the store since its last successful sync. Writes others may have made
    /// before the file was opened for writing are not the cache's: its store may close without
    /// syncing them (a close on Linux, or of a FileStream, does not sync either).
    /// </summary>
    public bool WritesAreDurable => NotDurablePageCount == 0 && PendingStoreTruncate < 0 && !StoreChangedSinceSync;

    /// <summary>
    /// Nothing to make durable: <see cref="WritesAreDurable"/>, and no writable open since the last
    /// successful sync (the file may hold others' writes, which a flush makes durable as fsync
    /// does). A flush then has nothing to write and nothing to sync.
    /// </summary>
    public bool IsDurable => WritesAreDurable && Volatile.Read(ref _openedSinceSync) == 0;

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

    /// <summary>
    /// Forgets the store, which the caller has disposed inside the close side of the store gate:
    /// remembers <paramref name="stamp"/> to compare at the next open (none for a file whose last
    /// name was deleted, which is never opened again). The file table's lock is held.
    /// </summary>
    public void DetachLocked(FileStamp? stamp, long idleSequence, bool unlinked = false)
    {
        Debug.Assert(IsAttached, $"'{Name}' is detached once.");
        Debug.Assert(unlinked || WritesAreDurable, $"'{Name}''s writes are durable when its store closes, unless its pages were dropped with its last name.");
        IsAttached = false;
        Stamp = stamp;
        IdleSequence = idleSequence;
    }

    /// <summary>Records the stamp a rename through the cache gave the detached file (a rename moves the change time), so a reopen by the new name finds it unchanged.</summary>
    public void RestampLocked(FileStamp stamp)
    {
        Debug.Assert(!IsAttached, $"'{Name}' is restamped while detached.");
        Stamp = stamp;
    }

    /// <summary>
    /// Takes <paramref name="store"/>, opened for the file that the stamp says is the one detached,
    /// and opens the store gate again. The file table's lock is held.
    /// </summary>
    public void AttachLocked(IBackingStore store, bool isWritable)
    {
        Debug.Assert(!IsAttached, $"'{Name}' is attached once.");
        Volatile.Write(ref _store, store);
        Volatile.Write(ref _isWritable, isWritable);
        if (isWritable)
        {
            // As at a first open: the file may hold writes no sync of ours covered.
            Volatile.Write(ref _openedSinceSync, 1);
        }

        IsAttached = true;
        Stamp = null;
        Gate.Reopen();
    }

    /// <summary>
    /// Takes <paramref name="store"/>, opened for writing the file whose read-only store is
    /// attached (a write open after read-only ones): the file becomes writable. The old store stays
    /// open until the new one is disposed (FileBackingStore.OpenForWriting), so reads in flight
    /// through it finish. The file table's lock is held.
    /// </summary>
    public void UpgradeLocked(IBackingStore store)
    {
        Debug.Assert(IsAttached && !IsWritable && store.CanWrite, $"'{Name}' is made writable once, while attached.");
        Volatile.Write(ref _store, store);
        Volatile.Write(ref _isWritable, true);
        Volatile.Write(ref _openedSinceSync, 1); // as at a first open: the file may hold writes no sync of ours covered
    }

    /// <summary>(T) The share modes of the handles open on the file.</summary>
    public FileSharing Sharing { get; } = new();

    /// <summary>Write leases not yet released; a lease may outlive its handle, and its release dirties its page.</summary>
    public int WriteLeases => Volatile.Read(ref _writeLeases);

    /// <summary>Counts a write lease taken (+1) or released (-1, after its page was marked dirty).</summary>
    public void AddWriteLeases(int delta) => Check(Interlocked.Add(ref _writeLeases, delta));

    /// <summary>Records that the store is about to change (a write, a length): the next sync must reach it.</summary>
    public void MarkStoreChanged() => Volatile.Write(ref _storeChangedSinceSync, 1);

    /// <summary>Clears the store-changed and opened-for-writing marks as a sync begins; returns whether either was set.</summary>
    public bool TakeStoreChanged() => (Interlocked.Exchange(ref _storeChangedSinceSync, 0) | Interlocked.Exchange(ref _openedSinceSync, 0)) != 0;

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
    /// Records that <paramref name="newlyFailedPages"/> pages' write or durable flush failed: in the
    /// error sequence (the first failure after the file was healthy starts an epoch, P3 in docs/DURABILITY.md),
    /// and in the page writer's back-off for the file.
    /// </summary>
    public void RecordFailureLocked(Exception error, ByteRange range, int newlyFailedPages, int nowTick)
    {
        Errors.RecordFailureLocked(error, range, newlyFailedPages);

        // Back off exponentially, 100 ms doubling up to 30 s, so a failing device is not hammered
        // and other files keep being written. A failure retrying cannot heal (a read-only file
        // system, a size past the store's largest) goes to the longest back-off at once: the page
        // writer still looks every 30 s (a file system may be remounted, the file truncated by
        // another program), and every flush still tries and reports it.
        _consecutiveFailures = IOErrorKinds.IsPermanent(IOErrorKinds.Classify(error)) ? 16 : Math.Min(_consecutiveFailures + 1, 16);
        int backoffMilliseconds = (int)Math.Min(30_000, 100L << (_consecutiveFailures - 1));
        RetryAfterTick = nowTick + (backoffMilliseconds / CacheClock.TickMilliseconds);
    }

    /// <summary>Records a successful writeback: the back-off ends.</summary>
    public void RecordSuccessLocked() => _consecutiveFailures = 0;

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
}
