// RawFile: reads, writes and links a file with plain system calls, bypassing .NET's advisory file
// lock, so a test can look at what is on disk while a read-write handle (which locks the file) is
// open, or change it as another process would.

using System.Runtime.InteropServices;

namespace Quire.Tests.Infrastructure;

public static partial class RawFile
{
    public static byte[] ReadAllBytes(string path)
    {
        int fd = Open(path, 0);
        if (fd < 0)
        {
            throw new IOException($"Cannot open '{path}': errno {Marshal.GetLastPInvokeError()}.");
        }

        try
        {
            var content = new List<byte>();
            var buffer = new byte[1 << 16];
            long offset = 0;
            while (true)
            {
                nint read = PRead(fd, buffer, buffer.Length, offset);
                if (read < 0)
                {
                    throw new IOException($"Cannot read '{path}': errno {Marshal.GetLastPInvokeError()}.");
                }

                if (read == 0)
                {
                    return [.. content];
                }

                content.AddRange(buffer.AsSpan(0, (int)read));
                offset += read;
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Gives the file at <paramref name="existingPath"/> a second name (link(2)).</summary>
    public static void HardLink(string existingPath, string newPath)
    {
        if (Link(existingPath, newPath) != 0)
        {
            throw new IOException($"Cannot link '{newPath}' to '{existingPath}': errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Writes <paramref name="bytes"/> at <paramref name="fileOffset"/> as another process would, past any advisory lock.</summary>
    public static void WriteAt(string path, long fileOffset, byte[] bytes)
    {
        int fd = Open(path, 2); // O_RDWR
        if (fd < 0)
        {
            throw new IOException($"Cannot open '{path}': errno {Marshal.GetLastPInvokeError()}.");
        }

        try
        {
            if (PWrite(fd, bytes, bytes.Length, fileOffset) != bytes.Length)
            {
                throw new IOException($"Cannot write '{path}': errno {Marshal.GetLastPInvokeError()}.");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existingPath, string newPath);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static partial nint PWrite(int fd, byte[] buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static partial nint PRead(int fd, byte[] buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
