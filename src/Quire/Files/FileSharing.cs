// FileSharing: the share modes of a file's open handles in this process, with the meaning
// FileShare gives them: an open is refused when it asks for an access that an open handle does not
// share, or does not share an access that an open handle has; a delete or a rename of the file is
// refused while a handle does not share Delete. Every handle reads (a cache reads what it writes),
// so a handle that does not share Read keeps every other open out. The refusal is the exception
// FileStream throws on Linux when its lock is refused, so callers catch one kind of error.
// (FileStream itself enforces only FileShare.None on Linux, through an advisory lock; the cache
// knows every handle it gave out, so it keeps the documented rules among them.)
//
// Locking: the file table's lock (T) guards every count, as it guards FileObject.HandleCount.

using System.Diagnostics;

namespace Quire.Files;

internal sealed class FileSharing
{
    /// <summary>EWOULDBLOCK, the HResult of FileStream's sharing violation on Linux.</summary>
    private const int SharingViolationHResult = 11;

    /// <summary>The share of a handle that shares everything: a handle opened without a share mode, or over a caller's store.</summary>
    public const FileShare All = FileShare.ReadWrite | FileShare.Delete;

    private int _handles; // (T)
    private int _writers; // (T) handles that may write
    private int _notSharingRead; // (T)
    private int _notSharingWrite; // (T)
    private int _notSharingDelete; // (T)

    /// <summary>Refuses a share mode FileShare does not define, as FileStream does.</summary>
    public static void Validate(FileShare share)
    {
        if ((share & ~(All | FileShare.Inheritable)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(share), share, "Enum value was out of legal range.");
        }
    }

    /// <summary>The exception FileStream throws for a file another open keeps it from: an <see cref="IOException"/> naming <paramref name="path"/>.</summary>
    public static IOException SharingViolation(string path) =>
        new($"The process cannot access the file '{path}' because it is being used by another process.", SharingViolationHResult);

    /// <summary>Throws a sharing violation if an open of <paramref name="path"/> with this access and share conflicts with a handle open now. The file table's lock is held.</summary>
    public void ThrowIfOpenConflictsLocked(string path, bool writable, FileShare share)
    {
        bool conflicts = _notSharingRead > 0
            || (writable && _notSharingWrite > 0)
            || (_handles > 0 && (share & FileShare.Read) == 0)
            || (_writers > 0 && (share & FileShare.Write) == 0);
        if (conflicts)
        {
            throw SharingViolation(path);
        }
    }

    /// <summary>Throws a sharing violation if a handle open now does not share Delete: the name <paramref name="path"/> may not be deleted or renamed. The file table's lock is held.</summary>
    public void ThrowIfDeleteConflictsLocked(string path)
    {
        if (_notSharingDelete > 0)
        {
            throw SharingViolation(path);
        }
    }

    /// <summary>Counts a handle opened with this access and share. The file table's lock is held.</summary>
    public void AddLocked(bool writable, FileShare share) => Count(writable, share, 1);

    /// <summary>Forgets a handle <see cref="AddLocked"/> counted. The file table's lock is held.</summary>
    public void RemoveLocked(bool writable, FileShare share) => Count(writable, share, -1);

    private void Count(bool writable, FileShare share, int delta)
    {
        _handles += delta;
        _writers += writable ? delta : 0;
        _notSharingRead += (share & FileShare.Read) == 0 ? delta : 0;
        _notSharingWrite += (share & FileShare.Write) == 0 ? delta : 0;
        _notSharingDelete += (share & FileShare.Delete) == 0 ? delta : 0;
        Debug.Assert(_handles >= 0 && _writers >= 0 && _notSharingRead >= 0 && _notSharingWrite >= 0 && _notSharingDelete >= 0, "A file's share counts never go negative.");
    }
}
