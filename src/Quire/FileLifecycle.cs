// FileLifecycle: the files a cache has open or keeps. Opening by path or by store finds or adds the
// one file object of that file (by device and inode, whichever name opened it; by canonical path
// where the OS gives no identity) or store instance, which its handles share. The last handle's
// release flushes the file (unless FlushOnLastClose is off: the page writer writes it back later).
// A file opened by path then outlives its handles: once durable, its store is closed (detached: no
// descriptor is held) and its clean pages stay until reclaim takes them; a reopen attaches a new
// store if a stat says the file on disk is the one detached, and otherwise retires the stale object
// and drops its pages (an error epoch nobody saw goes to the new object, for its next opener). Idle objects go when their last page does, and the oldest go when more than
// MaxIdleFiles are kept. A store opened by the caller is closed when idle (its pages evicted, its
// store disposed), as the cache cannot open it again. IdleFiles keeps the idle ones,
// FlushAllCursors FlushAll's own error cursors.
//
// The life of a file object opened by path (a caller's store goes from idle to gone at once:
// IdleFiles.TryClose evicts its pages and disposes it once it is durable):
//
//   Open of a new identity (OpenStoreLocked, AddFileLocked)
//      |
//      v          last ReleaseHandle: a flush,
//    Open  -------------------------------------->  Idle, attached  (store open; not yet durable)
//    ^  ^         unless FlushOnLastClose is off        |
//    |  +-------- Open: the same store -----------------+
//    |                                                  | IdleFiles.TryDetach: durable, no write
//    |                                                  v lease; stat recorded, store disposed
//    +----------- Open, stamp unchanged: ------  Idle, detached
//                 OpenStoreLocked, AttachLocked         |
//                                                       | Open, stamp changed (RetireLocked); no page
//                                                       v left; over MaxIdleFiles: IdleFiles.Drop
//                                                     gone
//
// Delete and Move of names, and what they do to file objects (an Unlinked object, a restamped
// one), are FileNames'. A file a store created is named durably by its first flush
// (FileBackingStore.Flush syncs the directory after the file).
//
// Locking: the file table's lock (T) guards the table, every file's HandleCount and its store's
// attachment; a store is opened, measured, detached and disposed under it, so two opens of one file
// make one file object and a closing file's store is gone before the file can be opened again.
// Flushes and evictions run without it.
// Invariants: a store is detached or closed only with no handle, nothing not yet durable and no write
// lease held, inside the close side of its store gate (StoreGate.EnterClose), so no writeback
// touches a disposed store; a file object leaves the table only with no handle and no page.

using Quire.Files;
using Quire.Flushing;
using Quire.Internal;
using Quire.Paging;

namespace Quire;

internal sealed class FileLifecycle
{
    private readonly FileTable _files; // (I)
    private readonly FileFlusher _flusher; // (I)
    private readonly Eviction _eviction; // (I)
    private readonly PageHolds _holds; // (I)
    private readonly int _pageSize; // (I)
    private readonly bool _useDirectIO; // (I)
    private readonly bool _flushOnLastClose; // (I)
    private readonly bool _lockFiles; // (I) PageCacheOptions.LockFiles
    private readonly Action<string> _syncDirectory; // (I) LinuxFileIO.SyncDirectory; a test's double
    private readonly FlushAllCursors _cursors = new(); // (I)
    private long _staleFiles; // (A) reopens that found the file changed on disk and dropped its pages
    private long _reopenedFiles; // (A) reopens that found the file's pages kept

    /// <summary>Reopens of a kept file that found it changed on disk since its store closed: its pages were dropped.</summary>
    public long StaleFiles => Interlocked.Read(ref _staleFiles);

    /// <summary>Reopens of a kept file that found it unchanged: its pages served the new handle.</summary>
    public long ReopenedFiles => Interlocked.Read(ref _reopenedFiles);

    public FileLifecycle(FileTable files, FileFlusher flusher, Eviction eviction, Truncation truncation, PageHolds holds, int pageSize, bool useDirectIO, bool flushOnLastClose, bool lockFiles, int maxIdleFiles, Action<string> syncDirectory)
    {
        _lockFiles = lockFiles;
        _syncDirectory = syncDirectory;
        _files = files;
        _flusher = flusher;
        _eviction = eviction;
        _holds = holds;
        _pageSize = pageSize;
        _useDirectIO = useDirectIO;
        _flushOnLastClose = flushOnLastClose;
        Idle = new IdleFiles(files, eviction, truncation, holds, _cursors, maxIdleFiles);
        Names = new FileNames(files, flusher, Idle, syncDirectory);
    }

    /// <summary>(I) The file objects no handle uses: kept, detached, closed and dropped.</summary>
    public IdleFiles Idle { get; }

    /// <summary>(I) Delete and Move of the names of files opened by path, made durable.</summary>
    public FileNames Names { get; }

    private bool IsClosed => Idle.IsDisposing;

    /// <summary>Adds to <paramref name="errors"/> the error epochs FlushAll has not reported yet (see <see cref="FlushAllCursors"/>).</summary>
    public void AddEpochsForFlushAll(List<Exception> errors) => _cursors.AddEpochs(_files.Snapshot(), errors);

    /// <summary>Closes, detaches or drops the file objects no handle uses, as <see cref="IdleFiles.ReleaseAll"/> says.</summary>
    public void ReleaseIdleFiles(FileObject? except) => Idle.ReleaseAll(except);

    /// <summary>Counts the file objects with a store open and those kept with it closed.</summary>
    public (int Open, int Idle) CountFiles() => Idle.Count();

    /// <summary>
    /// Finds or opens the file at <paramref name="path"/> and counts a handle on it with
    /// <paramref name="share"/> (FileSharing); a write open of a file open read-only opens it for
    /// writing. <paramref name="truncate"/> says that the mode asks an already open file to be
    /// emptied (the caller does it through the handle).
    /// </summary>
    public FileObject Open(string path, FileMode mode, bool writable, FileShare share, out bool truncate)
    {
        string fullPath = Path.GetFullPath(path);
        FileObject? stale = null;
        try
        {
            using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
            {
                // 1. Which file does the path name now? A file object of that identity with its store
                //    open is the file's, whichever path opened it (a hard link, a rename): no second
                //    descriptor is opened.
                // 2. Otherwise open the path, and ask the descriptor which file it is: a name re-created
                //    after a delete is a new file, and an open that raced with a rename still finds the
                //    object its file already has. A kept (detached) object of that identity takes the
                //    store if the file is unchanged since it was detached, else it is retired as stale.
                // 3. Open handles' share modes may refuse this open (FileSharing); a kept file has none.
                FileObject? file = FileByPathLocked(fullPath);
                truncate = false;
                file?.Sharing.ThrowIfOpenConflictsLocked(path, writable, share);
                if (file is not { IsAttached: true })
                {
                    file = OpenStoreLocked(path, fullPath, mode, writable, out stale, out bool attached);
                    if (attached)
                    {
                        AddHandleLocked(file, writable, share);
                        return file;
                    }

                    file.Sharing.ThrowIfOpenConflictsLocked(path, writable, share); // an object found only by the descriptor's identity
                }

                if (mode == FileMode.CreateNew)
                {
                    throw new IOException($"The file '{path}' already exists.", 17);
                }

                if (writable && !file.IsWritable)
                {
                    OpenForWritingLocked(file, path);
                }

                truncate = mode is FileMode.Create or FileMode.Truncate;
                AddHandleLocked(file, writable, share);
                return file;
            }
        }
        finally
        {
            if (stale is not null)
            {
                Idle.Drop(stale);
            }
        }
    }

    private static void AddHandleLocked(FileObject file, bool writable, FileShare share)
    {
        file.HandleCount++;
        file.Sharing.AddLocked(writable, share);
    }

    /// <summary>
    /// Gives a file open read-only in this cache a store open for writing, for a write open of it
    /// by <paramref name="path"/>; the file's read-only handles stay open and see what is written.
    /// Throws <see cref="IOException"/> if another process holds a lock that refuses the write open,
    /// or if <paramref name="path"/> names another file since this one was found.
    /// </summary>
    private void OpenForWritingLocked(FileObject file, string path)
    {
        if (file.Store is not FileBackingStore { CanWrite: false } readOnly)
        {
            throw new IOException($"The file '{path}' is open read-only in this cache through a store that cannot be opened again for writing.");
        }

        file.UpgradeLocked(FileBackingStore.OpenForWriting(readOnly, path, _useDirectIO, _syncDirectory, _lockFiles));
    }

    /// <summary>
    /// Opens the file at <paramref name="path"/> and gives its store to the file's kept object if the
    /// file is unchanged since that object was detached, or to a new object; <paramref name="attached"/>
    /// says it did (false: the file already had an object with its store open, and the new store is closed).
    /// </summary>
    private FileObject OpenStoreLocked(string path, string fullPath, FileMode mode, bool writable, out FileObject? stale, out bool attached)
    {
        stale = null;
        attached = true;
        FileBackingStore store = FileBackingStore.Open(path, mode, writable ? FileAccess.ReadWrite : FileAccess.Read, _useDirectIO, _syncDirectory, _lockFiles);
        FileStamp? stamp = store.Stat();
        object key = stamp?.Identity ?? (object)CanonicalPath(fullPath);
        if (_files.TryGetLocked(key, out FileObject existing))
        {
            if (existing.IsAttached)
            {
                store.Dispose();
                attached = false;
                return existing;
            }

            if (stamp is { } now && existing.Stamp == now && existing.Size == now.Size)
            {
                existing.AttachLocked(store, writable);
                Interlocked.Increment(ref _reopenedFiles);
                return existing;
            }

            // Changed on disk since its store closed (another writer, a truncate, an inode reused),
            // or no stat can tell: its pages are stale. It held nothing not durable when detached,
            // but an error epoch nobody saw goes to the new object: its next opener is told (E4).
            _files.RetireLocked(existing);
            stale = existing;
            Interlocked.Increment(ref _staleFiles);
        }

        FileObject added = AddFileLocked(key, store, writable, keptWhenIdle: true);
        if (stale is not null)
        {
            CarryUnreportedEpochLocked(stale, added);
        }

        return added;
    }

    /// <summary>Gives <paramref name="to"/> the error epoch of <paramref name="from"/> that nobody reported, if there is one. The file table's lock is held.</summary>
    private static void CarryUnreportedEpochLocked(FileObject from, FileObject to)
    {
        UnreportedEpoch? epoch;
        using (LockOrder.Enter(from.Lock, LockRank.FileObject))
        {
            epoch = from.Errors.UnreportedLocked();
        }

        if (epoch is not null)
        {
            using (LockOrder.Enter(to.Lock, LockRank.FileObject))
            {
                to.Errors.InheritLocked(epoch);
            }
        }
    }

    /// <summary>The file object of the file <paramref name="fullPath"/> names now, or null: by identity where the OS gives one, else by path.</summary>
    private FileObject? FileByPathLocked(string fullPath)
    {
        object key = LinuxFileIO.TryStat(fullPath)?.Identity ?? (object)CanonicalPath(fullPath);
        return _files.TryGetLocked(key, out FileObject file) ? file : null;
    }

    /// <summary>
    /// The length of the file <paramref name="path"/> names, as the cache sees it where it has the
    /// file's object (its size, writes not yet flushed included), else as the OS does; null where
    /// no regular file has that name. One stat of the path, no open.
    /// </summary>
    public long? GetLength(string path)
    {
        string fullPath = CanonicalPath(path);
        FileStamp? stamp = LinuxFileIO.TryStat(fullPath);
        var info = stamp is null ? new FileInfo(fullPath) : null; // where no stat gives an identity
        long? osLength = stamp?.Size ?? (info!.Exists ? info.Length : null);
        if (osLength is null)
        {
            return null;
        }

        object key = stamp?.Identity ?? (object)fullPath;
        using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
        {
            // A kept file whose stamp moved was changed behind the cache: the OS knows its length.
            if (_files.TryGetLocked(key, out FileObject file) && (file.IsAttached || (stamp is not null && file.Stamp == stamp)))
            {
                return file.Size;
            }
        }

        return osLength;
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

            AddHandleLocked(file, writable, FileSharing.All);
        }

        return file;
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
    public void BeginDispose() => Idle.BeginDispose();

    /// <summary>
    /// Called when a handle opened with <paramref name="writable"/> and <paramref name="share"/> is
    /// disposed: the last one flushes the file (unless FlushOnLastClose is off) and releases it.
    /// </summary>
    public void ReleaseHandle(FileObject file, bool writable, FileShare share, ref int errorCursor)
    {
        using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
        {
            file.Sharing.RemoveLocked(writable, share);
            file.HandleCount--;
            if (file.HandleCount > 0)
            {
                return;
            }
        }

        // The last close flushes what the cache wrote and a name it created, not what others may
        // have written before the file was opened for writing: that is an explicit Flush's.
        WritebackFailedException? error = null;
        bool ownChanges = !file.WritesAreDurable || file.Store is FileBackingStore { IsNameDurable: false };
        if (file.IsWritable && !IsClosed && _flushOnLastClose && !file.Unlinked && ownChanges)
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
            Idle.TryClose(file);
        }

        // Files kept open earlier (data not yet durable: a failed flush, a close that did not flush;
        // a lease that outlived its handle) are closed once durable; idle files past their last page
        // or over the bound go.
        ReleaseIdleFiles(except: file);

        if (error is not null)
        {
            // The file object stays open with its dirty pages, so nothing is lost: the next open
            // of the file, FlushAll or Dispose writes them again.
            throw error;
        }
    }

    private FileObject AddFileLocked(object key, IBackingStore store, bool writable, bool keptWhenIdle = false)
    {
        int id = _files.AllocateIdLocked();
        FileObject file;
        try
        {
            long length = store.GetLength();
            object deviceKey = store is FileBackingStore { DeviceNumber: long device } ? device : store;
            file = new FileObject(id, key, store, writable, length, _files.GetDeviceLocked(deviceKey, _pageSize), keptWhenIdle);
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

    /// <summary>The key of a file where the OS gives no identity: its full path with links resolved (a syscall and an object more: only then).</summary>
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
