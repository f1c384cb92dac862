// DirectorySyncs: a double for the cache's directory sync (PageCacheOptions.SyncDirectory): it
// records each directory synced, in order, with what a probe saw at that moment, fails the syncs
// of chosen directories with EIO, and runs the real fsync for the others.

using Quire.Paging;

namespace Quire.Tests.Infrastructure;

internal sealed class DirectorySyncs
{
    private const int EIO = 5;
    private readonly Lock _lock = new();
    private readonly List<(string Directory, string Seen)> _synced = [];
    private readonly HashSet<string> _failing = new(StringComparer.Ordinal);
    private int _failures;

    /// <summary>Run before each sync; what it returns is recorded with the directory (what the cache or the disk looked like then).</summary>
    public Func<string, string>? Probe { get; set; }

    /// <summary>The directories synced successfully, in order.</summary>
    public string[] Synced
    {
        get
        {
            lock (_lock)
            {
                return [.. _synced.Select(s => s.Directory)];
            }
        }
    }

    /// <summary>What <see cref="Probe"/> saw before each successful sync, in order.</summary>
    public string[] Seen
    {
        get
        {
            lock (_lock)
            {
                return [.. _synced.Select(s => s.Seen)];
            }
        }
    }

    /// <summary>The syncs failed so far.</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Fails every sync of <paramref name="directory"/> until <see cref="Heal"/>.</summary>
    public void Fail(string directory)
    {
        lock (_lock)
        {
            _failing.Add(directory);
        }
    }

    public void Heal(string directory)
    {
        lock (_lock)
        {
            _failing.Remove(directory);
        }
    }

    /// <summary>The sync the cache calls.</summary>
    public void Sync(string directory)
    {
        string seen = Probe?.Invoke(directory) ?? "";
        lock (_lock)
        {
            if (_failing.Contains(directory))
            {
                _failures++;
                throw new IOException($"Injected EIO on the sync of the directory '{directory}'.", EIO);
            }
        }

        LinuxFileIO.SyncDirectory(directory);
        lock (_lock)
        {
            _synced.Add((directory, seen));
        }
    }

    /// <summary>Options for a quiet cache (<see cref="QuietCaches.Options"/>) that syncs directories through this double, with <paramref name="plantedBugs"/> (CanaryTests).</summary>
    public PageCacheOptions Options(Quire.Internal.PlantedBugs plantedBugs = Quire.Internal.PlantedBugs.None)
    {
        PageCacheOptions options = QuietCaches.Options();
        return new PageCacheOptions
        {
            MemoryLimitBytes = options.MemoryLimitBytes,
            MaxFrameWait = options.MaxFrameWait,
            MaxPageWait = options.MaxPageWait,
            StartPageWriter = false,
            SyncDirectory = Sync,
            PlantedBugs = plantedBugs,
        };
    }
}
