// ColdCacheMethod: how a cold run empties the OS page cache of the bench's files, and the code
// that does it.
//
// Locking: stateless.

using Microsoft.Win32.SafeHandles;

namespace Quire.Cli.Bench;

internal enum ColdCacheMethod
{
    /// <summary>drop_caches when running as root, posix_fadvise(DONTNEED) otherwise.</summary>
    Auto,

    /// <summary>fsync, then posix_fadvise(DONTNEED) on each of the bench's files.</summary>
    Fadvise,

    /// <summary>sync, then echo 1 &gt; /proc/sys/vm/drop_caches (root only; drops every file's pages).</summary>
    DropCaches,
}

internal static class ColdCache
{
    private const string DropCachesPath = "/proc/sys/vm/drop_caches";

    /// <summary>The method <paramref name="method"/> stands for on this machine.</summary>
    public static ColdCacheMethod Resolve(ColdCacheMethod method) =>
        method != ColdCacheMethod.Auto ? method
        : OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess && File.Exists(DropCachesPath) ? ColdCacheMethod.DropCaches
        : ColdCacheMethod.Fadvise;

    public static string Describe(ColdCacheMethod method) => Resolve(method) switch
    {
        ColdCacheMethod.DropCaches => "sync + drop_caches (running as root)",
        _ => "fsync + posix_fadvise(DONTNEED) on the bench's files",
    };

    /// <summary>Drops the files' pages from the OS page cache.</summary>
    /// <exception cref="IOException">drop_caches or posix_fadvise failed.</exception>
    public static void Drop(IEnumerable<string> paths, ColdCacheMethod method)
    {
        if (Resolve(method) == ColdCacheMethod.DropCaches)
        {
            NativeMethods.SyncAll();
            File.WriteAllText(DropCachesPath, "1");
            return;
        }

        foreach (string path in paths)
        {
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            RandomAccess.FlushToDisk(handle);
            int error = NativeMethods.AdviseDontNeed(handle);
            if (error != 0)
            {
                throw new IOException($"posix_fadvise(DONTNEED) on '{path}' failed with errno {error}.");
            }
        }
    }
}
