// LinuxFileCalls: the system calls the baselines need and .NET does not expose: open with
// O_DIRECT (the O_DIRECT baselines read and write with it), fallocate (the device reference's
// preallocated file), fdatasync (the durable-overwrite baseline) and posix_fadvise DONTNEED (drops a file from the OS page cache, so that buffered
// reads of it start cold).
//
// Locking: stateless.

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

internal static partial class LinuxFileCalls
{
    private const int ReadOnlyFlag = 0; // O_RDONLY
    private const int WriteOnlyFlag = 1; // O_WRONLY
    private const int CreateFlag = 0x40; // O_CREAT
    private const int TruncateFlag = 0x200; // O_TRUNC
    private const int NewFileMode = 0x1A4; // 0644
    private const int CloseOnExecFlag = 0x80000; // O_CLOEXEC
    private const int FadviseDontNeed = 4; // POSIX_FADV_DONTNEED

    /// <summary>O_DIRECT differs by architecture: 0x4000 on x64, 0x10000 on arm64.</summary>
    private static int DirectFlag => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;

    /// <summary>Opens an existing file for reading with O_DIRECT; throws where the file system refuses it (tmpfs).</summary>
    /// <exception cref="IOException">open failed; the message names the path and errno.</exception>
    public static SafeFileHandle OpenDirectForReading(string path)
    {
        int descriptor = OpenFile(path, ReadOnlyFlag | CloseOnExecFlag | DirectFlag, 0);
        if (descriptor < 0)
        {
            throw new IOException(
                $"open('{path}', O_DIRECT) failed with errno {Marshal.GetLastPInvokeError()}; "
                + "put the scratch directory (QUIRE_BENCH_DIR) on a file system that supports O_DIRECT, not tmpfs.");
        }

        return new SafeFileHandle(descriptor, ownsHandle: true);
    }

    /// <summary>Creates (or empties) a file for writing with O_DIRECT; throws where the file system refuses it (tmpfs).</summary>
    /// <exception cref="IOException">open failed; the message names the path and errno.</exception>
    public static SafeFileHandle CreateDirectForWriting(string path)
    {
        int descriptor = OpenFile(path, WriteOnlyFlag | CreateFlag | TruncateFlag | CloseOnExecFlag | DirectFlag, NewFileMode);
        if (descriptor < 0)
        {
            throw new IOException(
                $"open('{path}', O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT) failed with errno {Marshal.GetLastPInvokeError()}; "
                + "put the scratch directory (QUIRE_BENCH_DIR) on a file system that supports O_DIRECT, not tmpfs.");
        }

        return new SafeFileHandle(descriptor, ownsHandle: true);
    }

    /// <summary>
    /// Creates (or empties) a file, allocates its blocks for [0, <paramref name="byteCount"/>) with
    /// fallocate and makes that durable, and returns it open for writing with O_DIRECT: writes
    /// into it move data only, as fio's do into the file it lays out first. A new, empty file
    /// would make every O_DIRECT write extend it, which ext4 serialises under the inode lock and
    /// pairs with block allocation, so writes in flight run one at a time: that measures the file
    /// system's allocation, not the device.
    /// </summary>
    /// <exception cref="IOException">open, fallocate or fdatasync failed; the message says errno.</exception>
    public static SafeFileHandle CreatePreallocatedForDirectWriting(string path, long byteCount)
    {
        SafeFileHandle handle = CreateDirectForWriting(path);
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (Fallocate((int)handle.DangerousGetHandle(), 0, 0, byteCount) != 0)
            {
                throw new IOException($"fallocate of {byteCount} bytes of '{path}' failed with errno {Marshal.GetLastPInvokeError()}.");
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        FlushData(handle);
        return handle;
    }

    /// <summary>fdatasync: makes the file's data durable, and its metadata only as far as reading the data back needs.</summary>
    /// <exception cref="IOException">fdatasync failed; the message says errno.</exception>
    public static void FlushData(SafeFileHandle handle)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (Fdatasync((int)handle.DangerousGetHandle()) != 0)
            {
                throw new IOException($"fdatasync failed with errno {Marshal.GetLastPInvokeError()}.");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Drops the file's clean pages from the OS page cache (posix_fadvise DONTNEED over the whole file).</summary>
    /// <exception cref="IOException">posix_fadvise failed; the message names the path and the error number.</exception>
    public static void DropFromOperatingSystemCache(string path)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int error = PosixFadvise((int)handle.DangerousGetHandle(), 0, 0, FadviseDontNeed);
            if (error != 0)
            {
                throw new IOException($"posix_fadvise('{path}', DONTNEED) failed with error {error}.");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenFile(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(int descriptor, int mode, long fileOffset, long byteCount);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int descriptor);

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int descriptor, long fileOffset, long byteCount, int advice);
}
