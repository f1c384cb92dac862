// Prewarmer: reloads a saved resident set into a new cache in the background (InnoDB's buffer pool
// load, PostgreSQL's autoprewarm), without ever displacing a page the foreground uses.
//
// A reload, in order:
//  1. Load and validate the saved file (ResidentSetFile); a missing one reloads nothing, an invalid
//     one is ignored with a logged warning.
//  2. Two passes over the saved files, those with the most hot pages first: the first reads the
//     runs saved as Active or Referenced, the second the cold ones, so a pool that fills keeps the
//     hottest. Within a file the runs are read in file-offset order.
//  3. Per file: a stat must find the saved identity, size and modification time under the saved
//     path, else the file is skipped as changed (or missing) for good. The file is opened
//     read-only, sharing everything (FileLifecycle.Open: an application's write open of it then
//     makes it writable, and the reload's close flushes nothing), and closed after its runs.
//  4. Each read is one cluster of missing pages (ReadPath.PrewarmAsync): only free frames above
//     the reserve, onto the inactive queue as fresh pages; no free frame ends the whole reload.
//     Reads are one at a time, and each waits for a read slot: at most MaxReadsPerSecond, timed
//     by the cache's TimeProvider, so foreground misses keep the device.
//  5. Cancellation by the caller throws OperationCanceledException; Stop (the cache's Dispose)
//     ends every reload at its next read and waits for the file it is in to be closed.
//
// Locking: no lock of its own. _nextReadTimestamp is changed by compare-and-swap, _active and
// _stopped are atomic. Reads and opens take the locks their own layers take.

using Quire.Files;
using Quire.Internal;
using Quire.Metrics;
using Quire.Paging;

namespace Quire.Restart;

internal sealed class Prewarmer(ReadPath reads, FileLifecycle lifecycle, CacheCounters counters, TimeProvider timeProvider, int pageSize, int maxReadsPerSecond) : IDisposable
{
    private readonly ReadPath _reads = reads; // (I)
    private readonly FileLifecycle _lifecycle = lifecycle; // (I)
    private readonly CacheCounters _counters = counters; // (I)
    private readonly TimeProvider _timeProvider = timeProvider; // (I)
    private readonly int _pageSize = pageSize; // (I)
    private readonly long _readIntervalTimestamp = timeProvider.TimestampFrequency / maxReadsPerSecond; // (I) 0: no limit
    private readonly CancellationTokenSource _stopping = new(); // (I) cancelled by Stop
    private long _nextReadTimestamp = long.MinValue; // (A) when the next read slot opens
    private int _active; // (A) files being reloaded, each with a handle open
    private int _stopped; // (A) set once by Stop

    private enum FileVerdict
    {
        Reloaded,
        Changed,
        Missing,
        PoolFull,
    }

    /// <summary>Reloads the resident set saved at <paramref name="path"/>, as the file header says.</summary>
    public async Task<PrewarmResult> RunAsync(string path, CancellationToken cancellationToken)
    {
        // Returns to the caller at once (a cache's constructor, PrewarmAsync): everything from the
        // load of the file on runs in the background, whether or not the reads complete synchronously.
        await Task.Yield();
        ResidentSetFile.LoadOutcome outcome = ResidentSetFile.TryLoad(path, out ResidentSet? set, out string reason);
        if (outcome == ResidentSetFile.LoadOutcome.Missing)
        {
            return new PrewarmResult { Status = ResidentSetStatus.Missing };
        }

        if (set is null)
        {
            _counters.Log.ResidentSetIgnored(path, reason);
            return new PrewarmResult { Status = ResidentSetStatus.Invalid };
        }

        var tally = new Tally();
        try
        {
            // Throws ObjectDisposedException once the cache's Dispose has disposed _stopping.
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            await ReloadAsync(set, tally, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && Volatile.Read(ref _stopped) != 0 && !cancellationToken.IsCancellationRequested)
        {
            tally.StoppedByDispose = true;
        }

        _counters.Log.PrewarmFinished(path, tally.Pages, tally.Reloaded, tally.Changed, tally.Missing, tally.PoolFull);
        return new PrewarmResult
        {
            Status = ResidentSetStatus.Loaded,
            PagesReloaded = tally.Pages,
            FilesReloaded = tally.Reloaded,
            FilesChanged = tally.Changed,
            FilesMissing = tally.Missing,
            StoppedAtFullPool = tally.PoolFull,
            StoppedByDispose = tally.StoppedByDispose,
        };
    }

    /// <summary>
    /// Ends every reload at its next read and waits, until <paramref name="deadline"/>, for the files
    /// being reloaded to be closed. Called once, by the cache's Dispose, before its files are closed.
    /// </summary>
    public void Stop(Deadline deadline)
    {
        Interlocked.Exchange(ref _stopped, 1);

        // Asynchronously: a reload's continuation must not run on the disposing thread.
        _ = _stopping.CancelAsync();
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _active) > 0 && !deadline.HasExpired)
        {
            spinner.SpinOnce();
        }
    }

    /// <summary>Releases the stop signal; called by the cache's Dispose after <see cref="Stop"/>.</summary>
    public void Dispose() => _stopping.Dispose();

    private async Task ReloadAsync(ResidentSet set, Tally tally, CancellationToken cancellationToken)
    {
        ResidentFile[] files = [.. set.Files.OrderByDescending(file => file.HotPageCount)];
        var done = new bool[files.Length]; // skipped for good, or counted as reloaded
        var counted = new bool[files.Length];
        for (int pass = 0; pass < 2; pass++)
        {
            bool hotPass = pass == 0;
            for (int i = 0; i < files.Length; i++)
            {
                List<(long First, long End)> ranges = PageRanges(set.PageSize, files[i], hotPass);
                if (done[i] || ranges.Count == 0)
                {
                    continue;
                }

                FileVerdict verdict = await ReloadFileAsync(files[i], ranges, tally, cancellationToken).ConfigureAwait(false);
                if (verdict is FileVerdict.Changed or FileVerdict.Missing)
                {
                    done[i] = true;
                    (verdict == FileVerdict.Changed ? _counters.PrewarmChangedFiles : _counters.PrewarmMissingFiles).Increment();
                    tally.Changed += verdict == FileVerdict.Changed ? 1 : 0;
                    tally.Missing += verdict == FileVerdict.Missing ? 1 : 0;
                    continue;
                }

                if (!counted[i])
                {
                    counted[i] = true;
                    tally.Reloaded++;
                }

                if (verdict == FileVerdict.PoolFull)
                {
                    tally.PoolFull = true;
                    return;
                }
            }
        }
    }

    /// <summary>The file's runs of one pass in this cache's pages (the saved page size may differ), merged, in page order.</summary>
    private List<(long First, long End)> PageRanges(int savedPageSize, ResidentFile file, bool hotPass)
    {
        var ranges = new List<(long First, long End)>();
        foreach (PageRun run in file.Runs)
        {
            if ((run.Hotness > PageHotness.Cold) != hotPass)
            {
                continue;
            }

            long first = run.FirstPage * savedPageSize / _pageSize;
            long end = ((run.EndPage * savedPageSize) + _pageSize - 1) / _pageSize;
            if (ranges.Count > 0 && ranges[^1].End >= first)
            {
                ranges[^1] = (ranges[^1].First, Math.Max(ranges[^1].End, end));
            }
            else
            {
                ranges.Add((first, end));
            }
        }

        return ranges;
    }

    private async Task<FileVerdict> ReloadFileAsync(ResidentFile saved, List<(long First, long End)> ranges, Tally tally, CancellationToken cancellationToken)
    {
        if (LinuxFileIO.TryStat(saved.Path) is not { } stamp)
        {
            return FileVerdict.Missing;
        }

        if (stamp.Identity != saved.Identity || stamp.Size != saved.SizeBytes || stamp.ModifiedNanoseconds != saved.ModifiedNanoseconds)
        {
            return FileVerdict.Changed;
        }

        Interlocked.Increment(ref _active);
        try
        {
            // Checked after counting itself active: Stop sets the flag, then waits for the count.
            cancellationToken.ThrowIfCancellationRequested();
            if (Volatile.Read(ref _stopped) != 0 || TryOpen(saved.Path) is not { } file)
            {
                return Volatile.Read(ref _stopped) != 0 ? throw new OperationCanceledException(_stopping.Token) : FileVerdict.Missing;
            }

            int cursor;
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                cursor = file.Errors.Epoch; // what it reports on close is its own flush's failure alone
            }

            try
            {
                // Opened by name after the stat: the name may have moved to another file in between.
                return file.Key is FileIdentity identity && identity == saved.Identity
                    ? await ReadRangesAsync(file, ranges, tally, cancellationToken).ConfigureAwait(false)
                    : FileVerdict.Changed;
            }
            finally
            {
                Close(file, ref cursor);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    private async Task<FileVerdict> ReadRangesAsync(FileObject file, List<(long First, long End)> ranges, Tally tally, CancellationToken cancellationToken)
    {
        long endOfFilePage = (file.Size + _pageSize - 1) / _pageSize;
        foreach ((long first, long rangeEnd) in ranges)
        {
            long end = Math.Min(rangeEnd, endOfFilePage);
            long page = first;
            while (page < end)
            {
                await WaitForReadSlotAsync(cancellationToken).ConfigureAwait(false);
                (int pagesRead, long next, bool poolFull) = await _reads.PrewarmAsync(file, page, end).ConfigureAwait(false);
                tally.Pages += pagesRead;
                if (poolFull)
                {
                    return FileVerdict.PoolFull;
                }

                page = next;
            }
        }

        return FileVerdict.Reloaded;
    }

    /// <summary>
    /// Opens the file read-only, sharing it with every other handle, so the reload needs only read
    /// permission, refuses no open of the application's (a write open makes the file writable) and
    /// its close flushes nothing; null if it cannot be opened.
    /// </summary>
    private FileObject? TryOpen(string path)
    {
        try
        {
            return _lifecycle.Open(path, FileMode.Open, writable: false, FileSharing.All, out _);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // counted as missing
        }
    }

    /// <summary>Closes the reload's read-only handle; a close that fails (closing the file's store) is logged.</summary>
    private void Close(FileObject file, ref int cursor)
    {
        try
        {
            _lifecycle.ReleaseHandle(file, writable: false, FileSharing.All, ref cursor);
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            _counters.Log.PrewarmCloseFailed(file.Name, e);
        }
    }

    /// <summary>
    /// Waits for the next read slot: reads (of every reload of this cache) are spaced by
    /// 1 / MaxReadsPerSecond on the cache's clock. Throws when cancelled, the reload's way to stop.
    /// </summary>
    private async Task WaitForReadSlotAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_readIntervalTimestamp == 0)
        {
            return;
        }

        long now = _timeProvider.GetTimestamp();
        long slot;
        while (true)
        {
            long next = Volatile.Read(ref _nextReadTimestamp);
            slot = Math.Max(now, next);
            if (Interlocked.CompareExchange(ref _nextReadTimestamp, slot + _readIntervalTimestamp, next) == next)
            {
                break;
            }
        }

        TimeSpan wait = _timeProvider.GetElapsedTime(now, slot);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One reload's counts; used by its own (sequential) flow only.</summary>
    private sealed class Tally
    {
        public long Pages { get; set; }

        public int Reloaded { get; set; }

        public int Changed { get; set; }

        public int Missing { get; set; }

        public bool PoolFull { get; set; }

        public bool StoppedByDispose { get; set; }
    }
}
