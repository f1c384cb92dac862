// ResidentSetSaver: when and how the cache saves its resident set: on demand (PageCache.
// SaveResidentSet), every ResidentSetSaveInterval on the cache's clock, and at dispose (after the
// flush, so the files' modification times are final). A save collects (ResidentSetCollector),
// encodes (ResidentSetFormat) and replaces the file atomically (ResidentSetFile). A periodic or
// dispose-time save that fails is logged and counted, never thrown: on the timer's thread nobody
// waits for it, and in Dispose it must not keep the files from being closed.
//
// Locking: _saveMutex serializes saves (a semaphore, so the timer's thread and Dispose can wait for
// it with a bound); it is taken with no lock held and held across the save's I/O, which touches
// only the saved file; under it the collector takes file locks (F) one at a time. It is never
// disposed: it has no wait handle, and a timer callback racing with Dispose may still release it.
// _stopped is atomic.

using Quire.Files;
using Quire.Frames;
using Quire.Metrics;

namespace Quire.Restart;

internal sealed class ResidentSetSaver : IDisposable
{
    private readonly FileTable _files; // (I)
    private readonly FramePool _pool; // (I)
    private readonly CacheCounters _counters; // (I)
    private readonly Action<string> _syncDirectory; // (I) LinuxFileIO.SyncDirectory; a test's double
    private readonly TimeSpan _maxWait; // (I) how long a save waits for another to finish
    private readonly string? _path; // (I) PageCacheOptions.ResidentSetPath: the periodic and dispose-time saves' file
    private readonly SemaphoreSlim _saveMutex = new(1, 1); // (I) one save at a time
    private readonly ITimer? _timer; // (I) the periodic save, when a path and an interval are set
    private int _stopped; // (A) set by Dispose: no periodic save starts any more

    public ResidentSetSaver(FileTable files, FramePool pool, CacheCounters counters, Action<string> syncDirectory, TimeSpan maxWait, string? path, TimeSpan interval, TimeProvider timeProvider)
    {
        _files = files;
        _pool = pool;
        _counters = counters;
        _syncDirectory = syncDirectory;
        _maxWait = maxWait;
        _path = path;
        if (path is not null && interval > TimeSpan.Zero)
        {
            _timer = timeProvider.CreateTimer(static state => ((ResidentSetSaver)state!).SaveOnTimer(), this, interval, interval);
        }
    }

    /// <summary>Saves the resident set to <paramref name="path"/>; throws what the save throws (PageCache.SaveResidentSet documents it).</summary>
    public long Save(string path)
    {
        if (!_saveMutex.Wait(_maxWait))
        {
            throw new TimeoutException($"Another save of the resident set did not finish within {_maxWait}.");
        }

        try
        {
            return SaveCore(path);
        }
        finally
        {
            _saveMutex.Release();
        }
    }

    /// <summary>The save at dispose, after the flush; waits for a periodic save under way. Logged and counted on failure, never thrown.</summary>
    public void SaveAtDispose()
    {
        if (_path is null)
        {
            return;
        }

        if (!_saveMutex.Wait(_maxWait))
        {
            _counters.ResidentSetSaveFailures.Increment();
            _counters.Log.ResidentSetSaveFailed(_path, new TimeoutException($"A periodic save did not finish within {_maxWait}."));
            return;
        }

        try
        {
            TrySave(_path);
        }
        finally
        {
            _saveMutex.Release();
        }
    }

    /// <summary>Stops the periodic save; one under way finishes (SaveAtDispose waits for it).</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _stopped, 1);
        _timer?.Dispose();
    }

    private long SaveCore(string path)
    {
        ResidentSet set = ResidentSetCollector.Collect(_files, _pool);
        ResidentSetFile.Save(path, ResidentSetFormat.Encode(set), _syncDirectory);
        _counters.ResidentSetSaves.Increment();
        return set.PageCount;
    }

    /// <summary>The periodic save, on the timer's thread: skipped while another save runs or once stopped.</summary>
    private void SaveOnTimer()
    {
        if (Volatile.Read(ref _stopped) != 0 || _path is null || !_saveMutex.Wait(0))
        {
            return;
        }

        try
        {
            TrySave(_path);
        }
        finally
        {
            _saveMutex.Release();
        }
    }

    private void TrySave(string path)
    {
        try
        {
            SaveCore(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // ArgumentException and NotSupportedException are what the OS's path checks throw for a
            // name no file can have.
            _counters.ResidentSetSaveFailures.Increment();
            _counters.Log.ResidentSetSaveFailed(path, e);
        }
    }
}
