// IdleFiles: the file objects no handle uses, and what becomes of them. A caller's store is closed
// once durable (its pages evicted, the store disposed: the cache cannot open it again). A file
// opened by path is kept: its store is detached once durable (TryDetach), its clean pages stay
// until reclaim takes them, and it leaves the table when its last page has gone, when a reopen
// found it stale, or, oldest first, when more than MaxIdleFiles are kept (ReleaseAll). FileLifecycle
// draws the states.
//
// Locking: the file table's lock (T) guards _idleSequence and every check of a handle count; a
// store is detached and disposed under it, inside the close side of its store gate. Evictions run
// with no lock held.
// Invariants: a store is detached or closed only with no handle, nothing not yet durable and no
// write lease held; a file object leaves the table only with no handle and no page, and a
// detached one only with no error epoch no handle has seen (the next opener is told, E4).

using Quire.Files;
using Quire.Internal;
using Quire.Paging;

namespace Quire;

internal sealed class IdleFiles(FileTable files, Eviction eviction, Truncation truncation, PageHolds holds, FlushAllCursors cursors, int maxIdleFiles)
{
    private readonly FileTable _files = files; // (I)
    private readonly Eviction _eviction = eviction; // (I)
    private readonly Truncation _truncation = truncation; // (I)
    private readonly PageHolds _holds = holds; // (I)
    private readonly int _maxIdleFiles = maxIdleFiles; // (I)
    private long _idleSequence; // (T) counts detaches, so the oldest idle files are known
    private int _disposing; // (A) set once the cache is being disposed: no file is closed on release any more

    /// <summary>Whether the cache is being disposed: files are flushed and closed by its Dispose, not on release.</summary>
    public bool IsDisposing => Volatile.Read(ref _disposing) != 0;

    /// <summary>From now on no idle file is closed: the cache is being disposed.</summary>
    public void BeginDispose() => Volatile.Write(ref _disposing, 1);

    /// <summary>
    /// Closes a file object no handle uses: detaches the store of a file opened by path (TryDetach);
    /// of a caller's store, evicts its pages and releases its store. Keeps it open
    /// while it holds data that is not durable (pages, or a store change no sync has covered: so a
    /// last handle about to flush never finds its file closed under it by another thread's release),
    /// an error no handle has seen (so the next opener is told, E4), or a page a write lease holds.
    /// </summary>
    public void TryClose(FileObject file)
    {
        if (IsDisposing)
        {
            return;
        }

        if (file.Unlinked)
        {
            TryCloseUnlinked(file);
            return;
        }

        if (file.KeptWhenIdle)
        {
            TryDetach(file);
            return;
        }

        bool unreported;
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            unreported = file.Errors.HasUnreportedLocked;
        }

        _eviction.DropNotDurableIfPlanted(file); // nothing unless a test planted that bug (Canaries)
        if (unreported || !file.WritesAreDurable || !_eviction.EvictAll(file, _holds.NewPageDeadline()))
        {
            return;
        }

        // Closed for writeback first, so the page writer's threads, which may still hold the file
        // from a snapshot, never touch its store once disposed; a handle opened meanwhile cancels.
        if (!file.Gate.EnterClose(_holds.NewPageDeadline()))
        {
            return;
        }

        bool close = false;
        try
        {
            using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
            {
                if (file.HandleCount == 0 && _files.TryGetLocked(file.Key, out FileObject current) && current == file && file.Index.Count == 0)
                {
                    _files.RemoveLocked(file);
                    close = true;

                    // Under the table's lock, so an Open of the same path cannot come between the
                    // file leaving the table and its store letting the file go: the new store's
                    // open would find the old one's lock on the file and fail.
                    file.Store.Dispose();
                }
            }
        }
        finally
        {
            file.Gate.ExitClose(close);
        }

        if (close)
        {
            cursors.Forget(file);
        }
    }

    /// <summary>
    /// Closes the store of a file opened by path that no handle uses, keeping the file object and its
    /// pages: once nothing is left to make durable (so the page writer never needs the store again)
    /// and no write lease is held (one that outlived its handle dirties its page when released). Records
    /// the file's stamp, which the next open compares with the file on disk. An unreported error
    /// does not keep the store open: the object keeps its error sequence for the next opener.
    /// </summary>
    private void TryDetach(FileObject file)
    {
        _eviction.DropNotDurableIfPlanted(file); // nothing unless a test planted that bug (Canaries)
        if (!file.IsAttached || !file.WritesAreDurable || file.PendingStoreTruncate >= 0 || !file.Gate.EnterClose(_holds.NewPageDeadline()))
        {
            return;
        }

        bool exited = false;
        try
        {
            using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
            {
                // Checked again inside the gate's close side and the table's lock: no writeback can
                // begin and no handle can be opened (nor a lease taken), so nothing becomes not
                // durable from here on. The leases first: a release dirties its page, then counts.
                if (file.HandleCount == 0 && file.WriteLeases == 0 && file.IsAttached && file.WritesAreDurable && file.PendingStoreTruncate < 0)
                {
                    IBackingStore store = file.Store;
                    FileStamp? stamp = (store as FileBackingStore)?.Stat();
                    store.Dispose();
                    file.DetachLocked(stamp, ++_idleSequence);

                    // Closed for good before the table's lock is let go: an open that then finds the
                    // file detached reopens a closed gate, never one a late ExitClose closes under it.
                    file.Gate.ExitClose(closed: true);
                    exited = true;
                }
            }
        }
        finally
        {
            if (!exited)
            {
                file.Gate.ExitClose(closed: false);
            }
        }
    }

    /// <summary>
    /// Closes a file whose last name was deleted through the cache, once no handle and no write
    /// lease is left: drops every page without writing it (nobody can open the file again, as Linux
    /// drops an unlinked inode's dirty pages), disposes its store and takes it out of the table.
    /// </summary>
    private void TryCloseUnlinked(FileObject file)
    {
        if (file.WriteLeases != 0)
        {
            return; // the release dirties its page; the next release of idle files looks again
        }

        if (file.IsAttached)
        {
            try
            {
                _truncation.Discard(file, 0, long.MaxValue);
            }
            catch (ObjectDisposedException)
            {
                // Another thread's release closed it since this one looked: its pages went with it.
                return;
            }

            if (!file.Gate.EnterClose(_holds.NewPageDeadline()))
            {
                return;
            }

            bool closed = false;
            try
            {
                using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
                {
                    if (file.HandleCount == 0 && file.WriteLeases == 0 && file.IsAttached)
                    {
                        file.Store.Dispose();
                        file.DetachLocked(stamp: null, ++_idleSequence, unlinked: true);
                        file.Gate.ExitClose(closed: true); // under the table's lock, as in TryDetach
                        closed = true;
                    }
                }
            }
            finally
            {
                if (!closed)
                {
                    file.Gate.ExitClose(closed: false);
                }
            }

            if (!closed)
            {
                return;
            }
        }

        Drop(file);
    }

    /// <summary>
    /// Evicts the pages of a detached file object no handle uses and takes it out of the table once
    /// it has none left; one with an error no handle has seen stays, so the next opener is told (E4).
    /// </summary>
    public void Drop(FileObject file)
    {
        if (file.IsAttached || !_eviction.EvictAll(file, _holds.NewPageDeadline()))
        {
            return;
        }

        RemoveIfEmpty(file);
    }

    /// <summary>Takes a detached file object with no handle, no page and no unreported error (unless no name is left to open it by) out of the table.</summary>
    private void RemoveIfEmpty(FileObject file)
    {
        bool unreported;
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            unreported = file.Errors.HasUnreportedLocked;
        }

        bool removed = false;
        using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
        {
            if ((!unreported || file.Unlinked) && file.HandleCount == 0 && !file.IsAttached && file.Index.Count == 0 && _files.GetById(file.Id) == file)
            {
                _files.RemoveLocked(file);
                removed = true;
            }
        }

        if (removed)
        {
            cursors.Forget(file);
        }
    }

    /// <summary>
    /// Looks at every file object no handle uses: closes (or detaches) the stores of those with
    /// nothing keeping them open, takes out of the table the detached ones whose pages are all gone
    /// (reclaim took them) or that are stale, and drops the oldest detached ones while more than
    /// MaxIdleFiles are kept. <paramref name="except"/> was just tried by the caller: it is not tried
    /// again, but counts as kept (the newest).
    /// </summary>
    public void ReleaseAll(FileObject? except)
    {
        List<FileObject>? idle = null;
        FileObject[] files = _files.Snapshot();
        using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
        {
            foreach (FileObject file in files)
            {
                if (file.HandleCount == 0)
                {
                    (idle ??= []).Add(file);
                }
            }
        }

        if (idle is null)
        {
            return;
        }

        var kept = new List<FileObject>();
        foreach (FileObject file in idle)
        {
            if (file != except)
            {
                TryClose(file); // the caller's own file was just tried
            }

            if (!file.KeptWhenIdle || file.IsAttached)
            {
                continue;
            }

            if (file.Index.Count == 0 || ReferenceEquals(file.Key, file))
            {
                Drop(file);
            }
            else
            {
                kept.Add(file);
            }
        }

        if (kept.Count > _maxIdleFiles)
        {
            // The bound on what idle files cost beyond their pages (the object, its index, its
            // error sequence): the files closed longest ago go first, with their pages.
            kept.Sort((a, b) => a.IdleSequence.CompareTo(b.IdleSequence));
            for (int i = 0; i < kept.Count - _maxIdleFiles; i++)
            {
                Drop(kept[i]);
            }
        }
    }

    /// <summary>Counts the file objects with a store open and those kept with their store closed.</summary>
    public (int Open, int Idle) Count()
    {
        int open = 0;
        int idle = 0;
        foreach (FileObject file in _files.Snapshot())
        {
            if (file.IsAttached)
            {
                open++;
            }
            else
            {
                idle++;
            }
        }

        return (open, idle);
    }
}
