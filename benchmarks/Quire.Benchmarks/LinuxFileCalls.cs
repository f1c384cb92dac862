// LinuxFileCalls: the two system calls the baselines need and .NET does not expose: open with
// O_DIRECT (the O_DIRECT baselines read with it) and posix_fadvise DONTNEED (drops a file from
// the OS page cache, so that buffered reads of it start cold).
//
// Locking: stateless.

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

internal static partial class LinuxFileCalls
{
    private const int ReadOnlyFlag = 0; // O_RDONLY
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

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int descriptor, long fileOffset, long byteCount, int advice);
}
