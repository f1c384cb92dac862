// ScratchDirectory: the directory one engine's run writes its files in. Runs are given a fresh
// subdirectory of one run-wide directory ($QUIRE_BENCH_DIR, or a new directory under /var/tmp,
// which is on disk here while /tmp may be tmpfs), and every subdirectory is deleted when its run
// ends, so that no engine finds another's files in the OS page cache or on disk.
//
// Locking: none; used by the one benchmark thread.

namespace Quire.ClientBenchmarks;

internal sealed class ScratchDirectory : IDisposable
{
    private readonly bool _created;
    private int _nextRun;

    private ScratchDirectory(string path, bool created)
    {
        DirectoryPath = path;
        _created = created;
    }

    /// <summary>The run-wide directory.</summary>
    public string DirectoryPath { get; }

    /// <summary>Uses $QUIRE_BENCH_DIR if set (kept afterwards), else creates a directory under /var/tmp (deleted afterwards).</summary>
    public static ScratchDirectory Create()
    {
        if (Environment.GetEnvironmentVariable("QUIRE_BENCH_DIR") is { Length: > 0 } configured)
        {
            Directory.CreateDirectory(configured);
            return new ScratchDirectory(configured, created: false);
        }

        string parent = Directory.Exists("/var/tmp") ? "/var/tmp" : Path.GetTempPath();
        string path = Path.Combine(parent, "quire-clients-" + Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal));
        Directory.CreateDirectory(path);
        return new ScratchDirectory(path, created: true);
    }

    /// <summary>Creates an empty subdirectory for one run of one engine.</summary>
    public string NewRunDirectory(string engineName)
    {
        string path = Path.Combine(DirectoryPath, $"{_nextRun++:D3}-{engineName}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Deletes a run's subdirectory and everything in it.</summary>
    public static void DeleteRunDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    public void Dispose()
    {
        if (_created && Directory.Exists(DirectoryPath))
        {
            Directory.Delete(DirectoryPath, recursive: true);
        }
    }
}
