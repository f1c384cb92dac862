// NativeMethods: the few Linux calls the bench needs and .NET does not expose: open with
// O_DIRECT (the direct engine, the device reference), posix_fadvise(DONTNEED) and sync (cold
// runs), fallocate and fdatasync (the device reference's preallocated file and its flush), and
// kill(SIGTERM) to ask a budgeted engine's process to stop.
//
// Locking: stateless.

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Quire.Cli.Bench;

internal static partial class NativeMethods
{
    private const int OpenReadWrite = 2;
    private const int OpenCloseOnExec = 0x80000;
    private const int OpenCreate = 0x40;
    private const int OpenTruncate = 0x200;
    private const int NewFileMode = 0x1B6; // 0666, less the umask
    private const int FadviseDontNeed = 4;
    private const int SignalTerminate = 15;

    /// <summary>O_DIRECT differs by architecture: 0x4000 on x64, 0x10000 on arm64.</summary>
    private static int DirectFlag => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;

    /// <summary>Opens an existing file for reading and writing with O_DIRECT.</summary>
    /// <exception cref="IOException">The file cannot be opened so, e.g. on tmpfs, which refuses O_DIRECT.</exception>
    public static SafeFileHandle OpenDirect(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new IOException("O_DIRECT is only available on Linux.");
        }

        int fd = Open(path, OpenReadWrite | OpenCloseOnExec | DirectFlag, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot open '{path}' with O_DIRECT (errno {errno}); the file system may not support it (tmpfs does not).", errno);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Creates (or truncates to empty) a file and opens it for reading and writing with O_DIRECT.</summary>
    /// <exception cref="IOException">The file cannot be made or opened so.</exception>
    public static SafeFileHandle CreateDirect(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new IOException("O_DIRECT is only available on Linux.");
        }

        int fd = Open(path, OpenReadWrite | OpenCreate | OpenTruncate | OpenCloseOnExec | DirectFlag, NewFileMode);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot create '{path}' with O_DIRECT (errno {errno}); the file system may not support it (tmpfs does not).", errno);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Allocates the file's blocks for [0, <paramref name="byteCount"/>) (fallocate mode 0: the size grows to cover them).</summary>
    /// <exception cref="IOException">fallocate failed, e.g. the file system does not support it.</exception>
    public static void Preallocate(SafeFileHandle handle, long byteCount) =>
        WithDescriptor(handle, fd => Fallocate(fd, 0, 0, byteCount) == 0 ? 0 : throw new IOException($"fallocate of {byteCount} bytes failed (errno {Marshal.GetLastPInvokeError()}).", Marshal.GetLastPInvokeError()));

    /// <summary>fdatasync: the file's data made durable, metadata only as far as reading it back needs.</summary>
    /// <exception cref="IOException">fdatasync failed.</exception>
    public static void FlushData(SafeFileHandle handle) =>
        WithDescriptor(handle, fd => Fdatasync(fd) == 0 ? 0 : throw new IOException($"fdatasync failed (errno {Marshal.GetLastPInvokeError()}).", Marshal.GetLastPInvokeError()));

    /// <summary>Sends SIGTERM to the process <paramref name="processId"/>, which a .NET tool treats as Ctrl+C; false if it is gone.</summary>
    public static bool Terminate(int processId) => OperatingSystem.IsLinux() && Kill(processId, SignalTerminate) == 0;

    /// <summary>Drops a file's clean pages from the OS page cache; returns the error number, 0 on success.</summary>
    public static int AdviseDontNeed(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return PosixFadvise((int)handle.DangerousGetHandle(), 0, 0, FadviseDontNeed);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Writes every dirty page of the system back (sync(2)), before dropping caches.</summary>
    public static void SyncAll()
    {
        if (OperatingSystem.IsLinux())
        {
            Sync();
        }
    }

    private static int WithDescriptor(SafeFileHandle handle, Func<int, int> call)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return call((int)handle.DangerousGetHandle());
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int processId, int signal);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(int fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "sync")]
    private static partial void Sync();
}
