// NativeMethods: the few Linux calls the bench needs and .NET does not expose: open with
// O_DIRECT (the direct engine), posix_fadvise(DONTNEED) and sync (cold runs).
//
// Locking: stateless.

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Quire.Cli.Bench;

internal static partial class NativeMethods
{
    private const int OpenReadWrite = 2;
    private const int OpenCloseOnExec = 0x80000;
    private const int FadviseDontNeed = 4;

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

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "sync")]
    private static partial void Sync();
}
