// FileBackingStore: a backing store over a file, buffered or with O_DIRECT (a second descriptor
// for aligned transfers), with the file's device number for the cache's per-device bandwidth. A
// store that created its file makes the file's name durable at its first successful flush: fsync
// of the parent directory after the file's own (docs/DURABILITY.md, X5).
//
// Locking: stateless past construction but for the lazily read device number (Lazy), the length
// the last flush made durable and whether the name is durable yet (atomics, written by Flush,
// which the cache never runs twice at once for a store: FileSync holds the file's SyncLock); the
// descriptors are closed by Dispose, which the cache calls once no writeback can reach the store
// (the file's store gate closed, or, when the cache is disposed, its page writer stopped).
// Invariants: the name is marked durable only after a directory sync that began after the create
// succeeded; a failed one leaves it not durable, and the flush that tried it fails.

using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Quire.Paging;

namespace Quire;

/// <summary>
/// A backing store over a file, through positional vectored calls (<see cref="RandomAccess"/>):
/// buffered through the OS page cache, or, in direct mode, with O_DIRECT so that the data is cached
/// once, in Quire, and not a second time by the OS.
/// </summary>
/// <remarks>
/// In direct mode the store keeps a second descriptor with O_DIRECT for aligned transfers and
/// sends unaligned ones (the partial page at the end of the file) through the buffered
/// descriptor; <see cref="Flush()"/> makes both durable, as fsync works on the file, not the
/// descriptor. Where the file system refuses O_DIRECT (tmpfs), the store falls back to buffered
/// I/O and <see cref="IsDirectIO"/> says so. A read-write store locks the file against other
/// writers that use .NET's file sharing (an advisory lock), so two caches cannot both write it,
/// unless the cache was told not to lock files (<see cref="PageCacheOptions.LockFiles"/>).
/// </remarks>
public sealed class FileBackingStore : IBackingStore
{
    // O_DIRECT transfers must start and end on the device's logical block; 512 bytes is the
    // smallest Linux allows and what statx reports for the disks here. Unaligned ones go buffered.
    private const int DirectAlignment = 512;
    private const int EINVAL = 22;
    private const int EFBIG = 27;

    // OpenOrCreate and Create find or create a file, and the OS does not say which: the store opens an
    // existing file first and creates one exclusively when there is none. Another process that
    // creates or deletes the name in between makes it try again, this many times, before it opens
    // with the caller's mode and counts the file as created (a directory sync too many costs less
    // than a name lost).
    private const int MaxOpenAttempts = 3;

    private readonly SafeFileHandle _handle; // (I) buffered; carries the sharing lock
    private readonly SafeFileHandle? _directHandle; // (I) O_DIRECT, or null
    private long _durableLength = -1; // (A) the length the last successful flush made durable; -1 before the first
    private int _nameNotDurable; // (A) 1 from the create of the file until a directory sync after it succeeded
    private readonly Action<string> _syncDirectory; // (I) LinuxFileIO.SyncDirectory; a test's double
    private readonly Lazy<long?> _deviceNumber; // (I)
    private FileBackingStore? _superseded; // (I after OpenForWriting) the read-only store this one replaced, disposed with it
    private readonly Files.FileStamp? _openStamp; // (I) a read-only store's stamp, taken at its open: nothing the cache does changes the file

    private FileBackingStore(string path, SafeFileHandle handle, SafeFileHandle? directHandle, bool canWrite, bool createdFile, Action<string> syncDirectory)
    {
        Name = path;
        _handle = handle;
        _directHandle = directHandle;
        CanWrite = canWrite;
        _nameNotDurable = canWrite && createdFile ? 1 : 0;
        _syncDirectory = syncDirectory;
        _deviceNumber = new Lazy<long?>(() => LinuxFileIO.TryGetDeviceNumber(handle));
        _openStamp = canWrite ? null : LinuxFileIO.TryStat(handle);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool CanWrite { get; }

    /// <summary>Whether aligned transfers bypass the OS page cache (O_DIRECT).</summary>
    public bool IsDirectIO => _directHandle is not null;

    /// <summary>
    /// Opens (or creates) <paramref name="path"/> as a backing store. A store opened for writing
    /// that created the file makes its name durable at its first successful <see cref="Flush()"/>,
    /// which syncs the parent directory after the file (Linux; elsewhere the name is left to the OS).
    /// </summary>
    /// <param name="path">The file's path.</param>
    /// <param name="mode">How to open or create the file; <see cref="FileMode.Append"/> is not supported.</param>
    /// <param name="access">Read, or read and write; write-only is not supported, since a cache reads what it writes.</param>
    /// <param name="directIO">Whether to try O_DIRECT; falls back to buffered I/O where the file system refuses it.</param>
    /// <exception cref="ArgumentException">The mode or access is not supported.</exception>
    /// <exception cref="IOException">The file cannot be opened, or another writer holds it.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission is denied.</exception>
    public static FileBackingStore Open(string path, FileMode mode, FileAccess access, bool directIO) =>
        Open(path, mode, access, directIO, LinuxFileIO.SyncDirectory);

    /// <summary>
    /// Opens <paramref name="path"/> as <see cref="Open(string, FileMode, FileAccess, bool)"/> does,
    /// syncing directories with <paramref name="syncDirectory"/>; without <paramref name="lockFile"/>
    /// it holds no lock on the file, so other processes' opens are not refused.
    /// </summary>
    internal static FileBackingStore Open(string path, FileMode mode, FileAccess access, bool directIO, Action<string> syncDirectory, bool lockFile = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (mode == FileMode.Append || !Enum.IsDefined(mode))
        {
            throw new ArgumentException($"File mode {mode} is not supported by a cached file; use Open, OpenOrCreate, Create, CreateNew or Truncate.", nameof(mode));
        }

        if (access is not (FileAccess.Read or FileAccess.ReadWrite))
        {
            throw new ArgumentException($"File access {access} is not supported by a cached file; use Read or ReadWrite.", nameof(access));
        }

        bool canWrite = access == FileAccess.ReadWrite;
        FileShare share = !lockFile ? FileShare.ReadWrite | FileShare.Delete : canWrite ? FileShare.None : FileShare.Read;
        SafeFileHandle handle = OpenHandle(path, mode, access, share, out bool created);
        if (!lockFile)
        {
            LinuxFileIO.TryLock(handle, exclusive: null); // the shared lock .NET took even so
        }

        SafeFileHandle? direct = null;
        if (directIO)
        {
            // A second descriptor opened by the system call itself, not by File.OpenHandle, so that
            // .NET's sharing lock on the first one does not refuse it. Null where O_DIRECT is refused.
            direct = LinuxFileIO.TryOpenDirect(path, canWrite);
        }

        return new FileBackingStore(Path.GetFullPath(path), handle, direct, canWrite, created, syncDirectory);
    }

    /// <summary>
    /// Opens for writing the file that <paramref name="readOnly"/> has open for reading, at
    /// <paramref name="path"/>; throws <see cref="IOException"/> if the path names another file now. With
    /// <paramref name="lockFile"/> the read-only store's shared lock is let go first, so this open
    /// can take the exclusive one, and taken again if this open fails. The read-only store stays
    /// open (reads in flight through it finish) and is disposed with the new one.
    /// </summary>
    internal static FileBackingStore OpenForWriting(FileBackingStore readOnly, string path, bool directIO, Action<string> syncDirectory, bool lockFile)
    {
        Debug.Assert(!readOnly.CanWrite, $"'{readOnly.Name}' is opened for writing once.");
        if (lockFile)
        {
            LinuxFileIO.TryLock(readOnly._handle, exclusive: null);
        }

        FileBackingStore store;
        try
        {
            store = Open(path, FileMode.Open, FileAccess.ReadWrite, directIO, syncDirectory, lockFile);
            if (store.Stat()?.Identity is { } now && readOnly.Stat()?.Identity is { } before && now != before)
            {
                store.Dispose();
                throw new IOException($"The file '{path}' was replaced while it was being opened for writing; open it again.");
            }
        }
        catch
        {
            if (lockFile)
            {
                LinuxFileIO.TryLock(readOnly._handle, exclusive: false);
            }

            throw;
        }

        store._superseded = readOnly;
        return store;
    }

    /// <summary>Opens the file as <paramref name="mode"/> says; <paramref name="created"/> says whether this open created it.</summary>
    private static SafeFileHandle OpenHandle(string path, FileMode mode, FileAccess access, FileShare share, out bool created)
    {
        created = mode == FileMode.CreateNew;
        if (mode is not (FileMode.Create or FileMode.OpenOrCreate))
        {
            return File.OpenHandle(path, mode, access, share);
        }

        // 1. Open the file if it exists (Create empties it, as Truncate does).
        // 2. Otherwise create it exclusively: this open made it.
        // 3. A file another process created in between is opened by the next attempt.
        FileMode existing = mode == FileMode.Create ? FileMode.Truncate : FileMode.Open;
        for (int attempt = 1; attempt < MaxOpenAttempts; attempt++)
        {
            try
            {
                return File.OpenHandle(path, existing, access, share);
            }
            catch (FileNotFoundException)
            {
            }

            try
            {
                SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, access, share);
                created = true;
                return handle;
            }
            catch (IOException) when (File.Exists(path))
            {
            }
        }

        created = true;
        return File.OpenHandle(path, mode, access, share);
    }

    /// <inheritdoc/>
    public long GetLength() => RandomAccess.GetLength(_handle);

    /// <inheritdoc/>
    /// <exception cref="IOException">The length is larger than the file system allows (its <see cref="Exception.HResult"/> is EFBIG, as for a write past that limit), or the OS failed.</exception>
    public void SetLength(long byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        ThrowIfReadOnly();
        try
        {
            RandomAccess.SetLength(_handle, byteCount);
        }
        catch (ArgumentOutOfRangeException e)
        {
            // .NET reports ftruncate's EFBIG as an argument error; the cache classifies store
            // failures by errno (a size past the file system's largest is permanent), so say it as one.
            throw new IOException($"The length {byteCount} is larger than the file system allows '{Name}' to be.", e) { HResult = EFBIG };
        }
    }

    /// <inheritdoc/>
    public int Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        SafeFileHandle handle = ChooseHandle(fileOffset, buffers, static b => b.Length);
        int wanted = TotalLength(buffers);
        int total = 0;
        while (total < wanted)
        {
            int read;
            try
            {
                read = (int)RandomAccess.Read(handle, total == 0 ? buffers : Rest(buffers, total), fileOffset + total);
            }
            catch (IOException e) when (e.HResult == EINVAL && handle == _directHandle)
            {
                // The device wants a larger alignment than this transfer has: go buffered.
                handle = _handle;
                continue;
            }

            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <inheritdoc/>
    public async ValueTask<int> ReadAsync(IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        SafeFileHandle handle = ChooseHandle(fileOffset, buffers, static b => b.Length);
        int total = 0;
        int wanted = TotalLength(buffers);
        while (total < wanted)
        {
            int read;
            try
            {
                read = (int)await RandomAccess.ReadAsync(handle, total == 0 ? buffers : Rest(buffers, total), fileOffset + total, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (e.HResult == EINVAL && handle == _directHandle)
            {
                // The device wants a larger alignment than this transfer has: go buffered.
                handle = _handle;
                continue;
            }

            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <inheritdoc/>
    public void Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ThrowIfReadOnly();
        SafeFileHandle handle = ChooseHandle(fileOffset, buffers, static b => b.Length);
        try
        {
            RandomAccess.Write(handle, buffers, fileOffset);
        }
        catch (IOException e) when (e.HResult == EINVAL && handle == _directHandle)
        {
            RandomAccess.Write(_handle, buffers, fileOffset);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Uses fdatasync when the length is what the last flush made durable (an overwrite: the data is
    /// all that changed), and fsync otherwise, so a new size is made durable with the full inode. The
    /// first flush of a store that created its file then syncs the file's directory, so the name
    /// survives a power cut too; if that fails, the flush throws and the next one tries again.
    /// </remarks>
    public void Flush()
    {
        ThrowIfReadOnly();
        long length = RandomAccess.GetLength(_handle);
        if (length != Volatile.Read(ref _durableLength) || !LinuxFileIO.TryFlushData(_handle))
        {
            RandomAccess.FlushToDisk(_handle);
        }

        Volatile.Write(ref _durableLength, length);
        if (Volatile.Read(ref _nameNotDurable) != 0)
        {
            // After the file's own sync, as PostgreSQL and SQLite do: the name then never reaches
            // the device before the inode it names.
            _syncDirectory(Path.GetDirectoryName(Name) ?? Name);
            Volatile.Write(ref _nameNotDurable, 0);
        }
    }

    /// <summary>Whether the file's name is durable: false from the create of the file until a flush synced its directory.</summary>
    internal bool IsNameDurable => Volatile.Read(ref _nameNotDurable) == 0;

    /// <summary>
    /// The O_DIRECT file descriptor, for writes submitted without waiting (io_uring), or -1 without
    /// direct I/O. Valid while the store is: the file's store gate keeps it from being disposed
    /// under a write.
    /// </summary>
    internal int DirectDescriptor => _directHandle is { } handle ? (int)handle.DangerousGetHandle() : -1;

    /// <summary>
    /// The file's identity (device, inode), size and times as the OS has them now, or null where it
    /// cannot say; for a read-only store, as they were at its open: the cache changes nothing, and
    /// a change another writer made while the store was open must make a reopen drop the pages,
    /// which a stat at the close would hide.
    /// </summary>
    internal Files.FileStamp? Stat() => CanWrite ? LinuxFileIO.TryStat(_handle) : _openStamp;

    /// <summary>The device number of the file system holding the file, or null where it cannot be had: files on one device share a write bandwidth estimate.</summary>
    internal long? DeviceNumber => _deviceNumber.Value;

    /// <summary>
    /// Starts writing what the OS holds dirty of this file to the device, without waiting, so the
    /// durable flush that follows finds less to do. Nothing to do in direct mode: the data is there.
    /// </summary>
    internal void StartWriteout()
    {
        if (_directHandle is null)
        {
            LinuxFileIO.TryStartWriteout(_handle);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _directHandle?.Dispose();
        _handle.Dispose();
        _superseded?.Dispose();
    }

    private static int TotalLength(IReadOnlyList<Memory<byte>> buffers)
    {
        int total = 0;
        for (int i = 0; i < buffers.Count; i++)
        {
            total += buffers[i].Length;
        }

        return total;
    }

    /// <summary>The buffers left after the first <paramref name="skip"/> bytes.</summary>
    private static List<Memory<byte>> Rest(IReadOnlyList<Memory<byte>> buffers, int skip)
    {
        var rest = new List<Memory<byte>>(buffers.Count);
        foreach (Memory<byte> buffer in buffers)
        {
            if (skip >= buffer.Length)
            {
                skip -= buffer.Length;
                continue;
            }

            rest.Add(buffer[skip..]);
            skip = 0;
        }

        return rest;
    }

    private SafeFileHandle ChooseHandle<T>(long fileOffset, IReadOnlyList<T> buffers, Func<T, int> lengthOf)
    {
        if (_directHandle is null || fileOffset % DirectAlignment != 0)
        {
            return _handle;
        }

        for (int i = 0; i < buffers.Count; i++)
        {
            if (lengthOf(buffers[i]) % DirectAlignment != 0)
            {
                return _handle;
            }
        }

        return _directHandle;
    }

    private void ThrowIfReadOnly()
    {
        if (!CanWrite)
        {
            throw new NotSupportedException($"The backing store '{Name}' was opened read-only.");
        }
    }
}
