// ScratchFiles: the data files the benchmarks read and write, in one scratch directory
// ($QUIRE_BENCH_DIR, or quire-bench under the temp directory): created once per name with seeded
// random bytes and made durable, so that dropping them from the OS page cache makes them cold,
// and read once through an ordinary handle when a baseline needs them in the OS page cache.

using Microsoft.Win32.SafeHandles;

namespace Quire.Benchmarks;

internal static class ScratchFiles
{
    private const int ChunkBytes = 1 << 20; // files are written and warmed 1 MiB at a time

    /// <summary>The scratch directory; it must be on a file system that supports O_DIRECT (not tmpfs).</summary>
    public static string DirectoryPath { get; } =
        Environment.GetEnvironmentVariable("QUIRE_BENCH_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), "quire-bench");

    /// <summary>The path of a scratch file a benchmark creates itself.</summary>
    public static string PathOf(string name)
    {
        Directory.CreateDirectory(DirectoryPath);
        return Path.Combine(DirectoryPath, name);
    }

    /// <summary>
    /// Returns the path of scratch file <paramref name="name"/> of <paramref name="byteCount"/> bytes of
    /// seeded random data, creating it (durably) unless a file of that name and length exists.
    /// </summary>
    public static string GetOrCreate(string name, long byteCount)
    {
        string path = PathOf(name);
        if (File.Exists(path) && new FileInfo(path).Length == byteCount)
        {
            return path;
        }

        string partial = path + ".partial";
        using (SafeFileHandle handle = File.OpenHandle(partial, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            byte[] chunk = new byte[ChunkBytes];
            var random = new Random(RandomOffsets.Seed);
            for (long offset = 0; offset < byteCount; offset += chunk.Length)
            {
                random.NextBytes(chunk);
                int length = (int)Math.Min(chunk.Length, byteCount - offset);
                RandomAccess.Write(handle, chunk.AsSpan(0, length), offset);
            }

            RandomAccess.FlushToDisk(handle);
        }

        File.Move(partial, path, overwrite: true);
        return path;
    }

    /// <summary>Reads the whole file through <paramref name="handle"/>, so that the OS page cache holds it.</summary>
    public static void WarmOperatingSystemCache(SafeFileHandle handle)
    {
        long length = RandomAccess.GetLength(handle);
        byte[] chunk = new byte[ChunkBytes];
        for (long offset = 0; offset < length; offset += chunk.Length)
        {
            RandomAccess.Read(handle, chunk, offset);
        }
    }
}
