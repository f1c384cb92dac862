// ResidentSetFile: where a resident set is stored. A save writes a temporary file next to the
// target, makes it durable, renames it over the target and syncs the directory (the sequence
// SQLite and PostgreSQL use for a file replaced whole), so a crash at any point leaves the old
// file or the new one under the name, never a torn one; a temporary file a crash left behind is
// overwritten by the next save. A load reads the file whole and decodes it, bounded by
// MaxFileBytes.
//
// Locking: stateless; the cache serializes its own saves (ResidentSetSaver._saveMutex), and two caches
// must not save to one path.

namespace Quire.Restart;

internal static class ResidentSetFile
{
    /// <summary>64 MiB: a set of 16 Mi scattered pages (64 GiB of 4 KiB pages) at about three bytes each; a larger file is not one this cache wrote.</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>The suffix of the temporary file a save writes before its rename.</summary>
    public const string TemporarySuffix = ".tmp";

    /// <summary>What a load found.</summary>
    public enum LoadOutcome
    {
        Loaded,
        Missing,
        Invalid,
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="bytes"/> atomically and durably: temporary
    /// file, fsync, rename, directory sync. On failure the old file stays and the exception is thrown.
    /// </summary>
    public static void Save(string path, ReadOnlySpan<byte> bytes, Action<string> syncDirectory)
    {
        string fullPath = Path.GetFullPath(path);
        string temporary = fullPath + TemporarySuffix;
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }

        syncDirectory(Path.GetDirectoryName(fullPath) ?? fullPath);
    }

    /// <summary>Reads and decodes <paramref name="path"/>; says why when it is missing or invalid.</summary>
    public static LoadOutcome TryLoad(string path, out ResidentSet? set, out string reason)
    {
        set = null;
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length > MaxFileBytes)
            {
                reason = $"it is {stream.Length} bytes long, more than the {MaxFileBytes} a saved resident set may have";
                return LoadOutcome.Invalid;
            }

            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            reason = "it does not exist";
            return LoadOutcome.Missing;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // ArgumentException and NotSupportedException: the OS's path checks refused the name.
            reason = $"it cannot be read: {e.Message}";
            return LoadOutcome.Invalid;
        }

        set = ResidentSetFormat.TryDecode(bytes, out reason);
        return set is null ? LoadOutcome.Invalid : LoadOutcome.Loaded;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The save already failed and throws its own error; a temporary file left behind is
            // overwritten by the next save.
        }
    }
}
