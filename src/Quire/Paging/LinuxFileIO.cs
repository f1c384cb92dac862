// LinuxFileIO: the few system calls .NET does not expose: O_DIRECT on an open descriptor,
// fdatasync, fsync of a directory, flock (to let go of or change the lock .NET takes at an open), sync_file_range, madvise, I/O priority, the device number of an open file and a file's
// identity and times (statx). All platform-specific code of the cache lives in Paging/.
//
// Locking: stateless.

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

using Quire.Files;
using Quire.Frames;

namespace Quire.Paging;

internal static partial class LinuxFileIO
{
    private const int O_RDONLY = 0;
    private const int O_RDWR = 2;
    private const int O_CLOEXEC = 0x80000;

    public const int FadviseNormal = 0;
    public const int FadviseRandom = 1;
    public const int FadviseSequential = 2;
    public const int FadviseWillNeed = 3;
    public const int FadviseDontNeed = 4;

    /// <summary>O_DIRECT differs by architecture: 0x4000 on x64, 0x10000 on arm64.</summary>
    private static int DirectFlag => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;

    /// <summary>
    /// Opens an existing file with O_DIRECT; returns null where the file system refuses it (tmpfs
    /// refuses the open with EINVAL) or the platform has no O_DIRECT.
    /// </summary>
    public static SafeFileHandle? TryOpenDirect(string path, bool writable)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        int fd = OpenFile(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | DirectFlag, 0);
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    private const int IoprioWhoProcess = 1; // with who = 0: the calling thread
    private const int IoprioClassShift = 13;
    private const int IoprioClassBestEffort = 2;
    private const int IoprioClassIdle = 3;

    /// <summary>
    /// Sets the calling thread's I/O priority (ioprio_set): idle, served only when the device has
    /// nothing else to do, or best effort at level 4, the default. Best effort: returns false where
    /// the OS or the I/O scheduler does not allow it.
    /// </summary>
    public static bool TrySetThreadIOPriority(bool idle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        long number = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 251,
            Architecture.Arm64 => 30,
            _ => -1,
        };
        if (number < 0)
        {
            return false;
        }

        int priority = idle ? IoprioClassIdle << IoprioClassShift : (IoprioClassBestEffort << IoprioClassShift) | 4;
        return Syscall(number, IoprioWhoProcess, 0, priority) == 0;
    }

    /// <summary>
    /// Makes a file's data durable without its timestamps (fdatasync): what a flush needs when the
    /// size is unchanged. Returns false where unavailable, so the caller falls back to fsync;
    /// throws <see cref="IOException"/> with the errno as HResult when the device fails.
    /// </summary>
    public static bool TryFlushData(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (Fdatasync((int)handle.DangerousGetHandle()) == 0)
            {
                return true;
            }

            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"fdatasync failed with errno {errno}.", errno);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int fd);

    private const int EBADF = 9;
    private const int EACCES = 13;
    private const int EINVAL = 22;

    /// <summary>O_DIRECTORY differs by architecture: 0x10000 on x64, 0x4000 on arm64 (O_DIRECT's values, swapped).</summary>
    private static int DirectoryFlag => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;

    /// <summary>
    /// Makes the names in a directory durable: the entries a create, a rename or an unlink changed
    /// there (open with O_RDONLY | O_DIRECTORY, fsync, close), as PostgreSQL's fsync_fname and
    /// SQLite's directory sync do. Where the OS cannot, it returns without error, as PostgreSQL does:
    /// a directory it may not open for reading (EACCES) or a file system that cannot fsync a directory
    /// (EINVAL, EBADF); and off Linux, where .NET gives no way to sync a directory (NTFS journals its
    /// names itself). Throws <see cref="IOException"/> with the errno as HResult when the open or the
    /// fsync fails otherwise (ENOENT: the directory is gone; EIO: the device failed).
    /// </summary>
    public static void SyncDirectory(string directoryPath)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd = OpenFile(directoryPath, O_RDONLY | O_CLOEXEC | DirectoryFlag, 0);
        if (fd < 0)
        {
            int openErrno = Marshal.GetLastPInvokeError();
            if (openErrno == EACCES)
            {
                return;
            }

            throw new IOException($"Could not open the directory '{directoryPath}' to make its names durable: errno {openErrno}.", openErrno);
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is not (EINVAL or EBADF))
                {
                    throw new IOException($"fsync of the directory '{directoryPath}' failed with errno {errno}: its names may not be durable.", errno);
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    /// <summary>
    /// Starts writing the file's dirty OS pages to the device without waiting for them
    /// (sync_file_range with SYNC_FILE_RANGE_WRITE over the whole file), so a durable flush that
    /// follows finds less to do. Best effort: a failure is left for that flush to report.
    /// </summary>
    public static void TryStartWriteout(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            _ = SyncFileRange((int)handle.DangerousGetHandle(), 0, 0, SyncFileRangeWrite);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private const uint SyncFileRangeWrite = 2;

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long byteCount, uint flags);

    /// <summary>The device number (major &lt;&lt; 32 | minor) of the file system holding an open file, or null where statx is unavailable.</summary>
    public static long? TryGetDeviceNumber(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        const int StatxBufferBytes = 256; // struct statx
        const int DeviceMajorOffset = 136; // stx_dev_major, then stx_dev_minor
        Span<byte> buffer = stackalloc byte[StatxBufferBytes];
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (Statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath, 0, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                return null;
            }

            uint major = MemoryMarshal.Read<uint>(buffer[DeviceMajorOffset..]);
            uint minor = MemoryMarshal.Read<uint>(buffer[(DeviceMajorOffset + 4)..]);
            return ((long)major << 32) | minor;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>The stamp (identity, size, times) of an open regular file, or null where statx is unavailable.</summary>
    public static FileStamp? TryStat(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return StatxStamp((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// The stamp of the regular file at <paramref name="path"/> (symbolic links followed), or null where
    /// none exists (a directory is none; without <paramref name="followLinks"/>, a symbolic link is
    /// none either), it cannot be looked at, or statx is unavailable.
    /// </summary>
    public static FileStamp? TryStat(string path, bool followLinks = true) =>
        OperatingSystem.IsLinux() ? StatxStamp(AtCurrentDirectory, path, followLinks ? 0 : AtSymlinkNoFollow) : null;

    private const int AtEmptyPath = 0x1000;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtCurrentDirectory = -100;

    private static FileStamp? StatxStamp(int directory, string path, int flags)
    {
        const uint BasicStats = 0x7ff; // STATX_BASIC_STATS
        const int StatxBufferBytes = 256; // struct statx
        const int InodeOffset = 32; // stx_ino, then stx_size
        const int ChangeTimeOffset = 96; // stx_ctime, then stx_mtime: { s64 tv_sec; u32 tv_nsec; s32 }
        const int DeviceMajorOffset = 136; // stx_dev_major, then stx_dev_minor
        Span<byte> buffer = stackalloc byte[StatxBufferBytes];
        const int LinkCountOffset = 16; // stx_nlink
        const int ModeOffset = 28; // stx_mode
        const int FileTypeMask = 0xF000; // S_IFMT
        const int RegularFile = 0x8000; // S_IFREG
        if (Statx(directory, path, flags, BasicStats, ref MemoryMarshal.GetReference(buffer)) != 0
            || (MemoryMarshal.Read<ushort>(buffer[ModeOffset..]) & FileTypeMask) != RegularFile)
        {
            return null;
        }

        uint major = MemoryMarshal.Read<uint>(buffer[DeviceMajorOffset..]);
        uint minor = MemoryMarshal.Read<uint>(buffer[(DeviceMajorOffset + 4)..]);
        var identity = new FileIdentity(((long)major << 32) | minor, MemoryMarshal.Read<long>(buffer[InodeOffset..]));
        long size = MemoryMarshal.Read<long>(buffer[(InodeOffset + 8)..]);
        int links = (int)MemoryMarshal.Read<uint>(buffer[LinkCountOffset..]);
        return new FileStamp(identity, size, Nanoseconds(buffer[(ChangeTimeOffset + 16)..]), Nanoseconds(buffer[ChangeTimeOffset..]), links);

        static long Nanoseconds(ReadOnlySpan<byte> timestamp) =>
            (MemoryMarshal.Read<long>(timestamp) * 1_000_000_000L) + MemoryMarshal.Read<uint>(timestamp[8..]);
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

    /// <summary>
    /// Makes the pool's frames resident now, with transparent huge pages where the OS offers them:
    /// first touches (a fault per page or huge page, under a container's memory limit a reclaim too)
    /// would otherwise land on the first writers and readers, and a budget the machine cannot hold
    /// is met now rather than under load. Touches the frames itself where the OS cannot populate.
    /// </summary>
    public static void MakeResident(FramePool pool)
    {
        bool resident = true;
        foreach ((nint address, nuint byteCount) in pool.Slabs())
        {
            TryAdviseHugePages(address, byteCount);
            resident &= TryPopulateForWriting(address, byteCount);
        }

        if (!resident)
        {
            pool.TouchUnused();
        }
    }

    /// <summary>
    /// Asks the OS to back a range of memory with transparent huge pages (madvise MADV_HUGEPAGE):
    /// a hit then walks fewer page-table levels. Best effort: false where it is not available.
    /// </summary>
    public static bool TryAdviseHugePages(nint address, nuint byteCount)
    {
        const int MadvHugePage = 14;
        return OperatingSystem.IsLinux() && Madvise(address, byteCount, MadvHugePage) == 0;
    }

    /// <summary>
    /// Makes a range of memory resident and writable now (madvise MADV_POPULATE_WRITE, Linux 5.14),
    /// without changing its contents; false where the OS cannot, and the caller touches it itself.
    /// </summary>
    public static bool TryPopulateForWriting(nint address, nuint byteCount)
    {
        const int MadvPopulateWrite = 23;
        return OperatingSystem.IsLinux() && Madvise(address, byteCount, MadvPopulateWrite) == 0;
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long which, long who, long priority);

    /// <summary>
    /// The advisory lock .NET takes at an open (flock: exclusive for <see cref="FileShare.None"/>,
    /// shared otherwise) on <paramref name="handle"/>'s open file: <paramref name="exclusive"/> null
    /// lets it go, true takes it exclusive, false shared, never waiting. False where another open
    /// file holds a lock that conflicts (EWOULDBLOCK); off Linux, where .NET locks no differently
    /// for the cache, it does nothing and returns true.
    /// </summary>
    public static bool TryLock(SafeFileHandle handle, bool? exclusive)
    {
        const int LockShared = 1;
        const int LockExclusive = 2;
        const int LockNonBlocking = 4;
        const int LockRelease = 8;
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        int operation = exclusive switch
        {
            null => LockRelease,
            true => LockExclusive | LockNonBlocking,
            false => LockShared | LockNonBlocking,
        };
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Flock((int)handle.DangerousGetHandle(), operation) == 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenFile(string path, int flags, int mode);
}
