// FileLifecycle: the files a cache has open. Opening by path or by store finds or adds the one
// file object of that file (by device and inode, whichever name opened it; by canonical path where
// the OS gives no identity) or store instance, which its handles share;
// the last handle's release flushes the file and closes it once idle (its pages evicted, its store
// disposed); files kept open by an unreported error, data not yet durable or a lease are closed
// when they become idle; and FlushAll's own error cursors (one per file) live here.
//
// Locking: the file table's lock (T) guards the table and every file's HandleCount; a store is
// opened, measured and disposed under it, so two opens of one path make one file object and a
// closing file's store is gone before the path can be opened again. _cursorsLock guards the
// FlushAll cursors and is taken before a file's lock. Flushes run with neither held.
// Invariants: a file object leaves the table only with no handle, no page and nothing not yet
// durable, inside the close side of its store gate (StoreGate.EnterClose), so no writeback touches a disposed store.

using Quire.Files;
using Quire.Flushing;
using Quire.Internal;
using Quire.Paging;

namespace Quire;

internal sealed class FileLifecycle(FileTable files, FileFlusher flusher, Eviction eviction, PageHolds holds, int pageSize, bool useDirectIO)
{
    private readonly FileTable _files = files; // (I)
    private readonly FileFlusher _flusher = flusher; // (I)
    private readonly Eviction _eviction = eviction; // (I)
    private readonly PageHolds _holds = holds; // (I)
    private readonly int _pageSize = pageSize; // (I)
    private readonly Lock _cursorsLock = new();
    private readonly Dictionary<FileObject, int> _flushAllCursors = []; // (_cursorsLock) FlushAll's own error cursors (P3)
    private int _closed; // (A) set once the cache is being disposed: no file is closed or flushed on release any more

    private bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>
    /// Finds or opens the file at <paramref name="path"/> and counts a handle on it. <paramref name="truncate"/>
    /// says that the mode asks an already open file to be emptied (the caller does it through the handle).
    /// </summary>
    public FileObject Open(string path, FileMode mode, bool writable, out bool truncate)
    {
        string fullPath = CanonicalPath(path);
        FileObject? file;
        using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
        {
            // 1. Which file does the path name now? A file object of that identity is the file's,
            //    whichever path opened it (a hard link, a rename): no second descriptor is opened.
            // 2. Otherwise open the path, and ask the descriptor which file it is: a name re-created
            //    after a delete is a new file, and an open that raced with a rename still finds the
            //    object its file already has.
            file = FileByPathLocked(fullPath);
            if (file is null)
            {
                FileBackingStore store = FileBackingStore.Open(path, mode, writable ? FileAccess.ReadWrite : FileAccess.Read, useDirectIO);
                object key = store.Stat()?.Identity ?? (object)fullPath;
                if (_files.TryGetLocked(key, out FileObject existing))
                {
                    store.Dispose();
                    file = existing;
                }
                else
                {
                    file = AddFileLocked(key, store, writable);
                    file.HandleCount++;
                    truncate = false;
                    return file;
                }
            }

            if (mode == FileMode.CreateNew)
            {
                throw new IOException($"The file '{path}' already exists.", 17);
            }

            if (writable && !file.IsWritable)
            {
                throw new IOException($"The file '{path}' is open read-only in this cache; close its handles before opening it for writing.");
            }

            truncate = mode is FileMode.Create or FileMode.Truncate;
            file.HandleCount++;
        }

        return file;
    }

    /// <summary>The file object of the file <paramref name="fullPath"/> names now, or null: by identity where the OS gives one, else by path.</summary>
    private FileObject? FileByPathLocked(string fullPath)
    {
        object key = LinuxFileIO.TryStat(fullPath)?.Identity ?? (object)fullPath;
        return _files.TryGetLocked(key, out FileObject file) ? file : null;
    }

    /// <summary>Refuses the modes and accesses a cached file does not support, naming the argument.</summary>
    public static void ValidateModeAndAccess(FileMode mode, FileAccess access)
    {
        if (mode == FileMode.Append || !Enum.IsDefined(mode))
        {
            throw new ArgumentException($"File mode {mode} is not supported by a cached file; use Open, OpenOrCreate, Create, CreateNew or Truncate.", nameof(mode));
        }

        if (access is not (FileAccess.Read or FileAccess.ReadWrite))
        {
            throw new ArgumentException($"File access {access} is not supported by a cached file; use Read or ReadWrite.", nameof(access));
        }

        if (access == FileAccess.Read && mode is FileMode.Create or FileMode.CreateNew or FileMode.Truncate)
        {
            throw new ArgumentException($"Combining file mode {mode} with file access Read is invalid: the mode writes the file.", nameof(access));
        }
    }

    /// <summary>Finds or adds the file object of <paramref name="store"/> and counts a handle on it.</summary>
    public FileObject Open(IBackingStore store, bool writable)
    {
        FileObject file;
        using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
        {
            if (_files.TryGetLocked(store, out file))
            {
                if (writable && !file.IsWritable)
                {
                    throw new IOException($"The backing store '{store.Name}' is open read-only in this cache; close its handles before opening it for writing.");
                }
            }
            else
            {
                file = AddFileLocked(store, store, writable);
            }

            file.HandleCount++;
        }

        return file;
    }

    /// <summary>
    /// Adds to <paramref name="errors"/> the error epoch each file has not yet reported to FlushAll
    /// (a failure of the page writer or of another handle's flush), unless FlushAll's own flush of
    /// that file failed and reported it already; every cursor moves past what it has seen.
    /// </summary>
    public void AddEpochsForFlushAll(List<Exception> errors)
    {
        foreach (FileObject file in _files.Snapshot())
        {
            bool reportedOwnFailure = errors.OfType<WritebackFailedException>().Any(e => e.FileName == file.Name);
            WritebackFailedException? epoch;
            using (LockOrder.Enter(_cursorsLock, LockRank.FlushAllCursors))
            {
                int cursor = _flushAllCursors.GetValueOrDefault(file);
                using (LockOrder.Enter(file.Lock, LockRank.FileObject))
                {
                    epoch = file.Errors.ConsumeForCacheLocked(ref cursor);
                }

                _flushAllCursors[file] = cursor;
            }

            if (epoch is not null && !reportedOwnFailure)
            {
                errors.Add(epoch);
            }
        }
    }

    /// <summary>
    /// For the cache's Dispose, after every file was flushed: stops closing files on release, then
    /// evicts every file's pages and disposes every store (a file keeping pages not yet durable stays
    /// in the table, its data reported by the flush that failed).
    /// </summary>
    public void CloseAll()
    {
        foreach (FileObject file in _files.Snapshot())
        {
            _eviction.EvictAll(file, _holds.NewPageDeadline());
            using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
            {
                if (file.Index.Count == 0)
                {
                    _files.RemoveLocked(file);
                }
            }

            file.Store.Dispose();
        }
    }

    /// <summary>From now on a released handle neither flushes nor closes its file: the cache is being disposed.</summary>
    public void BeginDispose() => Volatile.Write(ref _closed, 1);

    /// <summary>Called when a handle is disposed: the last one flushes the file and releases it.</summary>
    public void ReleaseHandle(FileObject file, ref int errorCursor)
    {
        using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
        {
            file.HandleCount--;
            if (file.HandleCount > 0)
            {
                return;
            }
        }

        WritebackFailedException? error = null;
        if (file.IsWritable && !IsClosed)
        {
            try
            {
                _flusher.Flush(file, 0, long.MaxValue);
            }
            catch (WritebackFailedException e)
            {
                error = e;
                using (LockOrder.Enter(file.Lock, LockRank.FileObject))
                {
                    // Thrown to the handle's owner: the epoch it belongs to counts as reported.
                    file.Errors.ConsumeLocked(ref errorCursor);
                }
            }
        }

        if (error is null)
        {
            TryCloseIdle(file);
        }

        // Files kept open earlier (an unreported error, a lease that outlived its handle, a failed
        // flush) are closed once they are idle and clean.
        ReleaseIdleFiles(except: file);

        if (error is not null)
        {
            // The file object stays open with its dirty pages, so nothing is lost: the next open
            // of the file, FlushAll or Dispose writes them again.
            throw error;
        }
    }

    /// <summary>
    /// Closes a file object no handle uses: evicts its pages and releases its store. Keeps it open
    /// while it holds data that is not durable (pages, or a store change no sync has covered: so a
    /// last handle about to flush never finds its file closed under it by another thread's release),
    /// an error no handle has seen (so the next opener is told, E4), or a page a write lease holds.
    /// </summary>
    private void TryCloseIdle(FileObject file)
    {
        if (IsClosed)
        {
            return;
        }

        bool unreported;
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            unreported = file.Errors.HasUnreportedLocked;
        }

        _eviction.DropNotDurableIfPlanted(file); // nothing unless a test planted that bug (Canaries)
        if (unreported || !file.IsDurable || !_eviction.EvictAll(file, _holds.NewPageDeadline()))
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
            using (LockOrder.Enter(_cursorsLock, LockRank.FlushAllCursors))
            {
                _flushAllCursors.Remove(file);
            }
        }
    }

    /// <summary>Closes every file object that has no handle and nothing keeping it open.</summary>
    public void ReleaseIdleFiles(FileObject? except)
    {
        List<FileObject>? idle = null;
        FileObject[] files = _files.Snapshot();
        using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
        {
            foreach (FileObject file in files)
            {
                if (file != except && file.HandleCount == 0)
                {
                    (idle ??= []).Add(file);
                }
            }
        }

        if (idle is not null)
        {
            foreach (FileObject file in idle)
            {
                TryCloseIdle(file);
            }
        }
    }

    private FileObject AddFileLocked(object key, IBackingStore store, bool writable)
    {
        int id = _files.AllocateIdLocked();
        FileObject file;
        try
        {
            long length = store.GetLength();
            object deviceKey = store is FileBackingStore { DeviceNumber: long device } ? device : store;
            file = new FileObject(id, key, store, writable, length, _files.GetDeviceLocked(deviceKey, _pageSize));
        }
        catch
        {
            _files.ReleaseIdLocked(id);
            throw;
        }

        _files.AddLocked(file);
        return file;
    }

    public List<Exception> FlushEveryFile()
    {
        var errors = new List<Exception>();
        foreach (FileObject file in _files.Snapshot())
        {
            if (!file.IsWritable)
            {
                continue;
            }

            try
            {
                _flusher.Flush(file, 0, long.MaxValue);
            }
            catch (Exception e) when (e is IOException or TimeoutException)
            {
                errors.Add(e);
            }
        }

        return errors;
    }

    private static string CanonicalPath(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }
}
