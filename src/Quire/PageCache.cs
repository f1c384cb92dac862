using Quire.Files;
using Quire.Flushing;
using Quire.Frames;
using Quire.Internal;
using Quire.Metrics;
using Quire.Paging;
using Quire.Queues;
using Quire.Throttling;
using Quire.Writeback;

namespace Quire;

/// <summary>
/// A user-space page cache: a bounded pool of page frames shared by every file opened through
/// it, with reads and writes at any offset, zero-copy leases, read-ahead, and writeback of dirty
/// pages by flush and by reclaim.
/// </summary>
/// <remarks>
/// <para>
/// All members are thread-safe. A cache hit takes no cache-wide lock and allocates nothing.
/// Memory is bounded: <see cref="PageCacheOptions.MemoryLimitBytes"/> of frames allocated once,
/// plus 64 bytes of metadata per frame and each file's page index.
/// </para>
/// <para>
/// Dispose flushes every file and throws if data could not be written; it never drops data
/// silently. Frame memory is released only when no thread holds a frame.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 256 &lt;&lt; 20 });
/// using CachedFile file = cache.Open("data.bin");
/// file.Write(0, "hello"u8);
/// file.Flush(); // durable when this returns
/// </code>
/// </example>
public sealed class PageCache : IDisposable, IAsyncDisposable
{
    private readonly FramePool _pool;
    private readonly PageQueues _queues;
    private readonly FileTable _files;
    private readonly PageAllocator _allocator;
    private readonly CacheCounters _counters;
    private readonly CacheInstruments _instruments;
    private readonly Verify _verify;
    private readonly CacheClock _clock;
    private readonly CacheLimits _limits;
    private readonly ClusterWriter _clusterWriter;
    private readonly Dictionary<FileObject, int> _flushAllCursors = []; // (_flushAllCursors) FlushAll's own error cursors (P3)
    private int _disposed; // (A)
    private int _prefetchesInFlight; // (A)

    /// <summary>Creates a cache with <paramref name="options"/> (or the defaults), allocating its frames and making them resident.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The options do not fit together; the message names the property.</exception>
    /// <exception cref="OutOfMemoryException">The frame memory cannot be allocated.</exception>
    public PageCache(PageCacheOptions? options = null)
    {
        Options = options ?? new PageCacheOptions();
        Options.Validate();
        var limits = new CacheLimits(Options);
        _limits = limits;
        _instruments = new CacheInstruments(Options.MeterFactory, Options.TimeProvider);
        var log = new CacheLog(Options.Logger, Options.TimeProvider);
        _counters = new CacheCounters(_instruments, log);
        _verify = new Verify(log.CacheLatched);
        _pool = new FramePool(Options.FrameCount, Options.PageSize);
        // The frames are made resident now: first touches (a fault per page or huge page, under a
        // container's memory limit a reclaim too) would otherwise land on the first writers and
        // readers, and a budget the machine cannot hold is met now rather than under load.
        bool resident = true;
        foreach ((nint address, nuint byteCount) in _pool.Slabs())
        {
            LinuxFileIO.TryAdviseHugePages(address, byteCount);
            resident &= LinuxFileIO.TryPopulateForWriting(address, byteCount);
        }

        if (!resident)
        {
            _pool.TouchUnused();
        }

        _queues = new PageQueues(_pool);
        _files = new FileTable();
        var waits = new PageWaitTable(_pool);
        var clock = new CacheClock(Options.TimeProvider);
        _clock = clock;
        _allocator = new PageAllocator(_pool, _queues, _files, waits, _counters, _verify, limits);
        var transitions = new PageTransitions(_pool, _counters);
        Holds = new PageHolds(_pool, waits, _allocator, transitions, limits.MaxPageWait);
        var pager = new Pager(_pool, _counters, _verify, Options.PlantedBugs);
        Reads = new ReadPath(_pool, _allocator, Holds, pager, _counters, limits);
        Reads.SetPrefetchStarter(StartPrefetch);
        Writes = new WritePath(_pool, _allocator, Holds, Reads, transitions, clock, limits);
        Truncation = new Truncation(_pool, _allocator, Holds, transitions, Options.PlantedBugs);
        Eviction = new Eviction(_pool, _allocator, Holds, transitions, Options.PlantedBugs);
        var progress = new ProgressSignal();
        var clusterWriter = new ClusterWriter(_pool, Holds, pager, transitions, _counters, _verify, clock, progress, limits, Options.PlantedBugs);
        _clusterWriter = clusterWriter;
        var sync = new FileSync(_pool, transitions, _counters, clock, progress, Options.PlantedBugs);
        Flusher = new FileFlusher(clusterWriter, sync, Holds, _counters);
        PageWriter = new PageWriter(_files, clusterWriter, sync, _counters, clock, progress, limits);
        _instruments.Observe(_counters, () => _pool.FrameCount - _queues.CountRacy(PageQueue.Free), () => _allocator.CountHeldAndDirtyFrames().Held);
        _allocator.SetLaunderer(new PageLaunderer(_pool, _files, clusterWriter, sync, PageWriter, progress, Options.TimeProvider, limits.MaxPageWait));
        if (Options.StartPageWriter)
        {
            // Throttling needs someone to clean: without the page writer's thread, dirty data is
            // bounded by the pool alone and reclaim launders it.
            Writes.SetThrottle(new DirtyThrottle(_counters, clock, PageWriter.Wake, progress, limits));
            PageWriter.Start();
        }
    }

    /// <summary>The options the cache was created with.</summary>
    public PageCacheOptions Options { get; }

    /// <summary>The page size in bytes.</summary>
    public int PageSize => _pool.PageSize;

    internal FramePool Pool => _pool;

    internal PageHolds Holds { get; }

    internal ReadPath Reads { get; }

    internal WritePath Writes { get; }

    internal Truncation Truncation { get; }

    internal Eviction Eviction { get; }

    internal FileFlusher Flusher { get; }

    internal PageWriter PageWriter { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal CacheCounters Counters => _counters;

    /// <summary>The cache's meter (named "Quire"), for tests that listen to this cache alone.</summary>
    internal System.Diagnostics.Metrics.Meter Meter => _instruments.Meter;

    /// <summary>
    /// Opens a file through the cache. Opening a file that is already open shares its pages, its
    /// size and its OS handle: the handles are views of one file.
    /// </summary>
    /// <param name="path">The file's path.</param>
    /// <param name="mode">How to open or create it; <see cref="FileMode.Append"/> is not supported.</param>
    /// <param name="access"><see cref="FileAccess.Read"/> or <see cref="FileAccess.ReadWrite"/>.</param>
    /// <returns>A handle; dispose it to flush and release the file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException">The path is empty, or the mode or access is not supported.</exception>
    /// <exception cref="IOException">The file cannot be opened; it is open read-only in this cache and write access was asked; or <see cref="FileMode.CreateNew"/> was given for an existing file.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission is denied.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public CachedFile Open(string path, FileMode mode = FileMode.OpenOrCreate, FileAccess access = FileAccess.ReadWrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ValidateModeAndAccess(mode, access);
        ThrowIfDisposed();
        string key = CanonicalPath(path);
        bool writable = access == FileAccess.ReadWrite;
        FileObject file;
        bool truncate = false;
        lock (_files.Lock)
        {
            if (_files.TryGetLocked(key, out file))
            {
                if (mode == FileMode.CreateNew)
                {
                    throw new IOException($"The file '{path}' already exists.", 17);
                }

                if (writable && !file.IsWritable)
                {
                    throw new IOException($"The file '{path}' is open read-only in this cache; close its handles before opening it for writing.");
                }

                truncate = mode is FileMode.Create or FileMode.Truncate;
            }
            else
            {
                IBackingStore store = FileBackingStore.Open(path, mode, access, Options.UseDirectIO);
                file = AddFileLocked(key, store, writable);
            }

            file.HandleCount++;
        }

        var handle = new CachedFile(this, file, writable);
        if (truncate)
        {
            handle.SetLength(0);
        }

        return handle;
    }

    /// <summary>
    /// Opens a backing store through the cache; the cache owns the store from now on and disposes it
    /// when its last handle closes. Opening the same store instance again shares its file object.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is null.</exception>
    /// <exception cref="ArgumentException">The access is not supported, or write access was asked of a store that cannot write.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public CachedFile Open(IBackingStore store, FileAccess access = FileAccess.ReadWrite)
    {
        ArgumentNullException.ThrowIfNull(store);
        ValidateModeAndAccess(FileMode.Open, access);
        ThrowIfDisposed();
        bool writable = access == FileAccess.ReadWrite;
        if (writable && !store.CanWrite)
        {
            throw new ArgumentException($"The backing store '{store.Name}' cannot write; open it with FileAccess.Read.", nameof(access));
        }

        FileObject file;
        lock (_files.Lock)
        {
            if (_files.TryGetLocked(store, out file))
            {
                if (writable && !file.IsWritable)
                {
                    throw new IOException($"The backing store '{store.Name}' is open read-only in this cache; close its handles before opening it for writing.");
                }
            }
            else
            {
                file = AddFileLocked(store, store, writable);
            }

            file.HandleCount++;
        }

        return new CachedFile(this, file, writable);
    }

    /// <summary>Takes a snapshot of the cache's frames and counters. Scans the frame metadata to count pinned frames.</summary>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public PageCacheStatistics GetStatistics()
    {
        ThrowIfDisposed();
        (int held, _) = _allocator.CountHeldAndDirtyFrames();
        return new PageCacheStatistics
        {
            FrameCount = _pool.FrameCount,
            PageSize = _pool.PageSize,
            FreeFrames = _queues.CountRacy(PageQueue.Free),
            ActiveFrames = _queues.CountRacy(PageQueue.Active),
            InactiveFrames = _queues.CountRacy(PageQueue.Inactive),
            PinnedFrames = held,
            DirtyPages = _counters.DirtyPages,
            WritebackPages = _counters.WritebackPages,
            UnsyncedPages = _counters.UnsyncedPages,
            OpenFiles = _files.Snapshot().Length,
            Hits = _counters.Hits.Value,
            Misses = _counters.Misses.Value,
            PagesRead = _counters.PagesRead.Value,
            ReadIos = _counters.ReadIos.Value,
            ReadAheadPages = _counters.ReadAheadPages.Value,
            PagesWritten = _counters.PagesWritten.Value,
            WriteIos = _counters.WriteIos.Value,
            BytesWritten = _counters.BytesWritten.Value,
            DurableFlushes = _counters.DurableFlushes.Value,
            Evictions = _counters.Evictions.Value,
            Promotions = _counters.Promotions.Value,
            Deactivations = _counters.Deactivations.Value,
            ReadFailures = _counters.ReadFailures.Value,
            WriteFailures = _counters.WriteFailures.Value,
            FlushFailures = _counters.FlushFailures.Value,
            WriteRetries = _counters.WriteRetries.Value,
            ThrottlePauses = _counters.ThrottlePauses.Value,
            ThrottleTime = TimeSpan.FromTicks(_counters.ThrottleTicks.Value),
            BackgroundThresholdPages = _limits.BackgroundDirtyPages,
            DirtyLimitPages = _limits.DirtyLimitPages,
        };
    }

    /// <summary>Flushes every open file: writes its dirty pages and makes them durable.</summary>
    /// <exception cref="WritebackFailedException">A file's data could not be made durable (one file).</exception>
    /// <exception cref="AggregateException">Several files' data could not be made durable; each inner exception names one.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public void FlushAll()
    {
        ThrowIfDisposed();
        ThrowIfWriterFailed();
        List<Exception> errors = FlushEveryFile();
        foreach (FileObject file in _files.Snapshot())
        {
            // A file whose own write or flush failed here has had its epoch reported by that
            // failure: the cursor still moves past the epoch, so the next FlushAll does not report it again.
            bool reportedOwnFailure = errors.OfType<WritebackFailedException>().Any(e => e.FileName == file.Name);
            WritebackFailedException? epoch;
            lock (_flushAllCursors)
            {
                int cursor = _flushAllCursors.GetValueOrDefault(file);
                lock (file.Lock)
                {
                    epoch = file.ConsumeEpochForCacheLocked(ref cursor);
                }

                _flushAllCursors[file] = cursor;
            }

            if (epoch is not null && !reportedOwnFailure)
            {
                errors.Add(epoch);
            }
        }

        ReleaseIdleFiles(except: null);
        ThrowIfAny(errors);
    }

    /// <summary>
    /// Flushes every file, closes them and releases the frame memory. Idempotent. Throws if data
    /// could not be made durable, after releasing everything else: the data is then lost with the
    /// process, and the exception says which.
    /// </summary>
    /// <exception cref="WritebackFailedException">A file's data could not be made durable.</exception>
    /// <exception cref="AggregateException">Several files' data could not be made durable.</exception>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _instruments.Dispose();
        WaitForPrefetches();
        PageWriter.Dispose();
        List<Exception> errors = FlushEveryFile();
        foreach (FileObject file in _files.Snapshot())
        {
            Eviction.EvictAll(file, Holds.NewPageDeadline());
            lock (_files.Lock)
            {
                if (file.Index.Count == 0)
                {
                    _files.RemoveLocked(file);
                }
            }

            file.Store.Dispose();
        }

        _clusterWriter.Dispose(); // its io_uring rings, idle now
        _pool.BeginDispose();
        (int held, _) = _allocator.CountHeldAndDirtyFrames();
        if (held == 0)
        {
            // A frame still held belongs to a thread racing with Dispose: its memory stays
            // allocated rather than be freed under it.
            _pool.Dispose();
        }

        ThrowIfAny(errors);
    }

    /// <summary>Disposes the cache; see <see cref="Dispose"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>Reports a failure the page writer's thread caught (a bug or a latched check): nothing is thrown on a thread nobody waits on.</summary>
    internal void ThrowIfWriterFailed()
    {
        if (PageWriter.Failure is { } failure)
        {
            throw new PageCacheInvariantException("The page writer stopped after an internal failure: " + failure.Message, failure);
        }
    }

    /// <summary>Starts a background prefetch of pages; failures drop the pages and are not reported (it is advice).</summary>
    internal void StartPrefetch(FileObject file, long firstPage, long endPage)
    {
        Interlocked.Increment(ref _prefetchesInFlight);
        _ = RunPrefetchAsync(file, firstPage, endPage);
    }

    /// <summary>How long the file's oldest dirty page has been dirty (a walk of its dirty pages).</summary>
    internal TimeSpan OldestDirtyAge(FileObject file)
    {
        int now = _clock.NowTick;
        int oldest = 0;
        lock (file.Lock)
        {
            long page = 0;
            while (file.Index.FindNextLocked(page, long.MaxValue, PageTag.Dirty, out page, out int frame))
            {
                oldest = Math.Max(oldest, now - _pool.Metadata(frame).DirtiedAtTick);
                page++;
            }
        }

        return TimeSpan.FromMilliseconds((double)oldest * CacheClock.TickMilliseconds);
    }

    /// <summary>Called when a handle is disposed: the last one flushes the file and releases it.</summary>
    internal void ReleaseHandle(FileObject file, ref int errorCursor)
    {
        lock (_files.Lock)
        {
            file.HandleCount--;
            if (file.HandleCount > 0)
            {
                return;
            }
        }

        WritebackFailedException? error = null;
        if (file.IsWritable && !IsDisposed)
        {
            try
            {
                Flusher.Flush(file, 0, long.MaxValue);
            }
            catch (WritebackFailedException e)
            {
                error = e;
                lock (file.Lock)
                {
                    // Thrown to the handle's owner: the epoch it belongs to counts as reported.
                    file.ConsumeEpochLocked(ref errorCursor);
                }
            }
        }

        if (error is null)
        {
            TryCloseIdle(file);
        }

        // Files kept open earlier (an unreported error, a lease that outlived its handle, a failed
        // flush) are closed once they are idle and clean.
        ReleaseIdleFiles(except: file);

        if (error is not null)
        {
            // The file object stays open with its dirty pages, so nothing is lost: the next open
            // of the file, FlushAll or Dispose writes them again.
            throw error;
        }
    }

    /// <summary>
    /// Closes a file object no handle uses: evicts its pages and releases its store. Keeps it open
    /// while it holds data that is not durable, an error no handle has seen (so the next opener is
    /// told, E4), or a page a write lease holds.
    /// </summary>
    private void TryCloseIdle(FileObject file)
    {
        if (IsDisposed)
        {
            return;
        }

        bool unreported;
        lock (file.Lock)
        {
            unreported = file.HasUnreportedErrorLocked;
        }

        if (unreported || file.NotDurablePageCount > 0 || !Eviction.EvictAll(file, Holds.NewPageDeadline()))
        {
            return;
        }

        // Closed for writeback first, so the page writer's threads, which may still hold the file
        // from a snapshot, never touch its store once disposed; a handle opened meanwhile cancels.
        if (!file.BeginClose(Holds.NewPageDeadline()))
        {
            return;
        }

        bool close = false;
        try
        {
            lock (_files.Lock)
            {
                if (file.HandleCount == 0 && _files.TryGetLocked(file.Key, out FileObject current) && current == file && file.Index.Count == 0)
                {
                    _files.RemoveLocked(file);
                    close = true;

                    // Under the table's lock, so an Open of the same path cannot come between the
                    // file leaving the table and its store letting the file go: the new store's
                    // open would find the old one's lock on the file and fail.
                    file.Store.Dispose();
                }
            }
        }
        finally
        {
            file.EndClose(close);
        }

        if (close)
        {
            lock (_flushAllCursors)
            {
                _flushAllCursors.Remove(file);
            }
        }
    }

    /// <summary>Closes every file object that has no handle and nothing keeping it open.</summary>
    private void ReleaseIdleFiles(FileObject? except)
    {
        List<FileObject>? idle = null;
        FileObject[] files = _files.Snapshot();
        lock (_files.Lock)
        {
            foreach (FileObject file in files)
            {
                if (file != except && file.HandleCount == 0)
                {
                    (idle ??= []).Add(file);
                }
            }
        }

        if (idle is not null)
        {
            foreach (FileObject file in idle)
            {
                TryCloseIdle(file);
            }
        }
    }

    private static void ThrowIfAny(List<Exception> errors)
    {
        if (errors.Count == 1)
        {
            throw errors[0];
        }

        if (errors.Count > 1)
        {
            throw new AggregateException("Data of several files is not durable; each inner exception names one.", errors);
        }
    }

    private static void ValidateModeAndAccess(FileMode mode, FileAccess access)
    {
        if (mode == FileMode.Append || !Enum.IsDefined(mode))
        {
            throw new ArgumentException($"File mode {mode} is not supported by a cached file; use Open, OpenOrCreate, Create, CreateNew or Truncate.", nameof(mode));
        }

        if (access is not (FileAccess.Read or FileAccess.ReadWrite))
        {
            throw new ArgumentException($"File access {access} is not supported by a cached file; use Read or ReadWrite.", nameof(access));
        }

        if (access == FileAccess.Read && mode is FileMode.Create or FileMode.CreateNew or FileMode.Truncate)
        {
            throw new ArgumentException($"Combining file mode {mode} with file access Read is invalid: the mode writes the file.", nameof(access));
        }
    }

    private static string CanonicalPath(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }

    private FileObject AddFileLocked(object key, IBackingStore store, bool writable)
    {
        int id = _files.AllocateIdLocked();
        FileObject file;
        try
        {
            long length = store.GetLength();
            object deviceKey = store is FileBackingStore { DeviceNumber: long device } ? device : store;
            file = new FileObject(id, key, store, writable, length, _files.GetDeviceLocked(deviceKey, PageSize));
        }
        catch
        {
            _files.ReleaseIdLocked(id);
            throw;
        }

        _files.AddLocked(file);
        return file;
    }

    private List<Exception> FlushEveryFile()
    {
        var errors = new List<Exception>();
        foreach (FileObject file in _files.Snapshot())
        {
            if (!file.IsWritable)
            {
                continue;
            }

            try
            {
                Flusher.Flush(file, 0, long.MaxValue);
            }
            catch (Exception e) when (e is IOException or TimeoutException)
            {
                errors.Add(e);
            }
        }

        return errors;
    }

    private async Task RunPrefetchAsync(FileObject file, long firstPage, long endPage)
    {
        try
        {
            await Reads.PrefetchAsync(file, firstPage, endPage).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException or ObjectDisposedException)
        {
            // Advice is best effort: a prefetch that cannot run leaves the pages to be read on demand.
        }
        finally
        {
            Interlocked.Decrement(ref _prefetchesInFlight);
        }
    }

    private void WaitForPrefetches()
    {
        var spinner = default(SpinWait);
        Deadline deadline = Holds.NewPageDeadline();
        while (Volatile.Read(ref _prefetchesInFlight) > 0 && !deadline.HasExpired)
        {
            spinner.SpinOnce();
        }
    }
}
