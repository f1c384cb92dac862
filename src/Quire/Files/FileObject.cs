// FileObject: the cache's one record per file (a VM object per vnode): the page index, the
// logical size, the backing store, and the gate that orders writeback against size changes.
// Handles (CachedFile) come and go; the file object lives while any handle is open or while it
// holds data that is not yet durable.
//
// Locking: Lock (F) guards the index, the size's writes, StoreLength and SyncGeneration. The
// size is read without the lock (a volatile read), so hits can clip at end of file cheaply.
// _gate is a monitor, taken after Lock when both are needed, guarding the writeback gate
// (_writebacksInFlight, _resizing): writebacks of a file and changes of its size exclude each
// other, so a write issued against the old size can never land after the store was cut (P7).
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
    private int _dirtyPageCount; // (A)
    private long _pendingStoreTruncate = -1; // (F) writes; lock-free reads

    public FileObject(int id, object key, IBackingStore store, bool isWritable, long size)
    {
        Id = id;
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

    /// <summary>(F) The resident pages.</summary>
    public PageIndex Index { get; } = new();

    /// <summary>The logical size in bytes. Read without the lock.</summary>
    public long Size => Volatile.Read(ref _size);

    /// <summary>
    /// (F) The length the store must be cut to before anything else is written to it, after a
    /// size change whose store truncation failed; -1 when none is pending. Bytes of the store at
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

    /// <summary>Lets a writeback of this file start unless its size is changing; returns false then.</summary>
    public bool TryBeginWriteback()
    {
        lock (_gate)
        {
            if (_resizing)
            {
                return false;
            }

            _writebacksInFlight++;
            return true;
        }
    }

    /// <summary>Lets a writeback start, waiting while the size changes. Throws <see cref="TimeoutException"/> at the deadline.</summary>
    public void BeginWriteback(Deadline deadline)
    {
        lock (_gate)
        {
            while (_resizing)
            {
                if (deadline.HasExpired)
                {
                    throw new TimeoutException($"Waited too long for a size change of '{Name}' to finish before writing it back.");
                }

                Monitor.Wait(_gate, deadline.RemainingMilliseconds);
            }

            _writebacksInFlight++;
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
            while (_resizing)
            {
                WaitGate(deadline);
            }

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
