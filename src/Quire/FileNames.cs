// FileNames: the names of files opened by path, changed through the cache. Delete unlinks a name;
// if it was the file's last, the file's object is marked Unlinked: its handles keep working, the
// last release does not flush, and IdleFiles.TryCloseUnlinked drops its pages unwritten, disposes
// the store and takes it out of the table. Move keeps the object (the inode is the same) and
// restamps a detached one, since the rename moved its change time; a file it replaces is unlinked
// as by Delete.
// Both are made durable before they return, as PostgreSQL's durable_unlink and durable_rename make
// them (docs/DURABILITY.md, P9b, X5):
//   Move:   1. flush the file under its old name (FlushBeforeRename), 2. rename (Rename),
//           3. sync the destination's directory, and the source's when it is another.
//   Delete: 1. unlink, 2. sync the directory.
// A file a store created is named durably by its own first flush (FileBackingStore.Flush), not here.
//
// Locking: the file table's lock (T) around each stat and change of a name and the file objects it
// touches; the flush before a rename and the directory syncs run without it (I/O).
// Invariants: a call returns normally only after the syncs that make its change durable succeeded;
// a sync that fails after the change throws an IOException that says the change was made.

using Quire.Files;
using Quire.Flushing;
using Quire.Internal;
using Quire.Paging;

namespace Quire;

internal sealed class FileNames
{
    private readonly FileTable _files; // (I)
    private readonly FileFlusher _flusher; // (I)
    private readonly IdleFiles _idle; // (I)
    private readonly Action<string> _syncDirectory; // (I) LinuxFileIO.SyncDirectory; a test's double
    private long _deletes; // (A) Delete calls that removed a name
    private long _moves; // (A) Move calls that renamed a file

    public FileNames(FileTable files, FileFlusher flusher, IdleFiles idle, Action<string> syncDirectory)
    {
        _files = files;
        _flusher = flusher;
        _idle = idle;
        _syncDirectory = syncDirectory;
    }

    /// <summary>Names deleted through <see cref="Delete"/>.</summary>
    public long Deletes => Interlocked.Read(ref _deletes);

    /// <summary>Files renamed through <see cref="Move"/>.</summary>
    public long Moves => Interlocked.Read(ref _moves);

    /// <summary>
    /// Deletes the name <paramref name="path"/> and syncs its directory, so the delete is durable when
    /// this returns. If it was the file's last name, the file's object is unlinked: its open handles
    /// keep working, and its pages are dropped, never written back, when the last one closes (at
    /// once when none is open). A missing name is no error, as for <see cref="File.Delete"/>; its
    /// directory is synced all the same when it exists.
    /// </summary>
    public void Delete(string path)
    {
        // The name itself, not what a symbolic link points to: deleting a link leaves its target.
        string fullPath = Path.GetFullPath(path);
        FileObject? unlinked = null;
        using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
        {
            FileStamp? stamp = LinuxFileIO.TryStat(fullPath, followLinks: false);
            ThrowIfDeleteConflictsLocked(stamp, path);
            File.Delete(fullPath);
            Interlocked.Increment(ref _deletes);
            if (stamp is { LinkCount: <= 1 } last && _files.TryGetLocked(last.Identity, out FileObject file))
            {
                file.Unlinked = true;
                unlinked = file.HandleCount == 0 ? file : null;
            }
        }

        if (unlinked is not null)
        {
            _idle.TryClose(unlinked);
        }

        if (Directory.Exists(Path.GetDirectoryName(fullPath)))
        {
            SyncDirectoryOf(fullPath, $"The file '{path}' was deleted");
        }
    }

    /// <summary>
    /// Renames <paramref name="source"/> to <paramref name="destination"/> (replacing it if
    /// <paramref name="overwrite"/>) durably: the file keeps its object and its cached pages, and its
    /// open handles keep working. A file the rename replaced is unlinked as by <see cref="Delete"/>.
    /// </summary>
    public void Move(string source, string destination, bool overwrite)
    {
        // The names themselves, as rename(2) sees them: a symbolic link is renamed or replaced, not its target.
        string fullSource = Path.GetFullPath(source);
        string fullDestination = Path.GetFullPath(destination);

        // 1. Make the file durable under its old name (PostgreSQL's durable_rename fsyncs it first):
        //    a crash never leaves the new name on data older than the Move, nor on a name not durable.
        FlushBeforeRename(fullSource);

        // 2. Rename, and bring the file objects of both names up to date.
        Rename(fullSource, fullDestination, overwrite);

        // 3. Make the rename durable: the destination's directory holds the new name, the source's
        //    lost the old one (one sync when they are the same directory).
        string what = $"The file '{source}' was renamed to '{destination}'";
        SyncDirectoryOf(fullDestination, what);
        if (!string.Equals(Path.GetDirectoryName(fullSource), Path.GetDirectoryName(fullDestination), StringComparison.Ordinal))
        {
            SyncDirectoryOf(fullSource, what);
        }
    }

    /// <summary>Flushes the file the name <paramref name="fullSource"/> names, if the cache has it open for writing.</summary>
    private void FlushBeforeRename(string fullSource)
    {
        FileObject? file = null;
        using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
        {
            object key = LinuxFileIO.TryStat(fullSource, followLinks: false)?.Identity ?? (object)fullSource;
            if (_files.TryGetLocked(key, out FileObject found) && found.IsAttached && found.IsWritable)
            {
                file = found;
            }
        }

        if (file is not null)
        {
            _flusher.Flush(file, 0, long.MaxValue);
        }
    }

    /// <summary>
    /// Renames the file under the table's lock, restamps a kept object of the file and unlinks the
    /// object of a file the rename replaced, closing it when no handle is open.
    /// </summary>
    private void Rename(string fullSource, string fullDestination, bool overwrite)
    {
        FileObject? replaced = null;
        using (LockOrder.Enter(_files.Lock, LockRank.FileTable))
        {
            FileStamp? moved = LinuxFileIO.TryStat(fullSource, followLinks: false);
            FileStamp? old = overwrite ? LinuxFileIO.TryStat(fullDestination, followLinks: false) : null;
            ThrowIfDeleteConflictsLocked(moved, fullSource);
            ThrowIfDeleteConflictsLocked(old, fullDestination);
            File.Move(fullSource, fullDestination, overwrite);
            Interlocked.Increment(ref _moves);
            if (moved is { } before && _files.TryGetLocked(before.Identity, out FileObject file) && !file.IsAttached
                && file.Stamp is { } kept && kept == before && LinuxFileIO.TryStat(fullDestination, followLinks: false) is { } after && after.Identity == before.Identity)
            {
                // The rename moved the change time: a kept file unchanged until now stays so.
                file.RestampLocked(after);
            }

            if (old is { LinkCount: <= 1 } gone && gone.Identity != moved?.Identity && _files.TryGetLocked(gone.Identity, out FileObject target))
            {
                target.Unlinked = true;
                replaced = target.HandleCount == 0 ? target : null;
            }
        }

        if (replaced is not null)
        {
            _idle.TryClose(replaced);
        }
    }

    /// <summary>Refuses to rename or replace the file <paramref name="stamp"/> names while one of its handles does not share Delete.</summary>
    private void ThrowIfDeleteConflictsLocked(FileStamp? stamp, string path)
    {
        if (stamp is { } named && _files.TryGetLocked(named.Identity, out FileObject open))
        {
            open.Sharing.ThrowIfDeleteConflictsLocked(path);
        }
    }

    /// <summary>
    /// Makes the names in <paramref name="directoryPath"/> durable: the way to try again after a
    /// Move or a Delete said the sync of a directory failed. Throws the sync's <see cref="IOException"/>.
    /// </summary>
    public void SyncDirectory(string directoryPath) => _syncDirectory(Path.GetFullPath(directoryPath));

    /// <summary>
    /// Syncs the directory holding <paramref name="fullPath"/>; if that fails, throws an
    /// <see cref="IOException"/> that begins with <paramref name="whatHappened"/>, which is done and
    /// stays done, and says that it may not survive a crash.
    /// </summary>
    private void SyncDirectoryOf(string fullPath, string whatHappened)
    {
        string directory = Path.GetDirectoryName(fullPath) ?? fullPath;
        try
        {
            _syncDirectory(directory);
        }
        catch (IOException e)
        {
            throw new IOException($"{whatHappened}, but the change could not be made durable: the sync of its directory '{directory}' failed, so a crash may undo it (PageCache.SyncDirectory tries again). {e.Message}", e) { HResult = e.HResult };
        }
    }
}
