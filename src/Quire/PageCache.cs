// PageCache: the public face of the cache and its composition root: it builds the pool, the
// queues, the file table and every layer from the options (resolved once into CacheLimits), opens
// files through FileLifecycle, and flushes, reports and disposes. The layers' own headers say what
// each owns; docs/ARCHITECTURE.md draws them.
//
// Locking: none of its own beyond the atomic _disposed; opening and closing take the file
// table's lock (FileLifecycle), and Dispose runs once, with the page writer stopped first.
// Warm restart (Restart/): the periodic save (ResidentSetSaver) and the startup prewarm start at the
// end of the constructor; Dispose stops both first (the save timer, then every prewarm, whose files
// are closed before the cache begins to close its own), and saves the resident set after the files
// are flushed and before they are closed.

using Quire.Files;
using Quire.Flushing;
using Quire.Frames;
using Quire.Internal;
using Quire.Metrics;
using Quire.Paging;
using Quire.Queues;
using Quire.Restart;
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
    private readonly CacheLimits _limits;
    private readonly ClusterWriter _clusterWriter;
    private readonly Prewarmer _prewarmer;
    private readonly ResidentSetSaver _residentSetSaver;
    private int _disposed; // (A)

    /// <summary>Creates a cache with <paramref name="options"/> (or the defaults), allocating its frames and making them resident.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The options do not fit together; the message names the property.</exception>
    /// <exception cref="OutOfMemoryException">The frame memory cannot be allocated.</exception>
    public PageCache(PageCacheOptions? options = null)
    {
        Options = options ?? new PageCacheOptions();
        Options.Validate();
        var limits = new CacheLimits(Options);
        Canaries = new Canaries(Options);
        _limits = limits;
        _instruments = new CacheInstruments(Options.MeterFactory, Options.TimeProvider);
        var log = new CacheLog(Options.Logger, Options.TimeProvider);
        _counters = new CacheCounters(_instruments, log);
        _verify = new Verify(log.CacheLatched);
        _pool = new FramePool(Options.FrameCount, Options.PageSize);
        LinuxFileIO.MakeResident(_pool);
        _queues = new PageQueues(_pool);
        _files = new FileTable();
        var waits = new PageWaitTable(_pool);
        var clock = new CacheClock(Options.TimeProvider);
        _allocator = new PageAllocator(_pool, _queues, _files, waits, _counters, _verify, limits, Canaries);
        var transitions = Transitions = new PageTransitions(_pool, Counts, clock, Canaries);
        Holds = new PageHolds(_pool, waits, _allocator, transitions, limits.MaxPageWait);
        var pager = new Pager(_pool, _counters, Counts, _verify, Canaries);
        Reads = new ReadPath(_pool, _allocator, Holds, pager, _counters, limits);
        Writes = new WritePath(_pool, _allocator, Holds, Reads, transitions, clock, limits);
        Truncation = new Truncation(_pool, _allocator, Holds, transitions, Canaries);
        Eviction = new Eviction(_pool, _allocator, Holds, transitions, Canaries);
        var progress = new ProgressSignal();
        var clusterWriter = _clusterWriter = new ClusterWriter(_pool, Holds, pager, transitions, _counters, Counts, _verify, clock, progress, limits, Canaries);
        var sync = new FileSync(_pool, transitions, _counters, clock, progress, Canaries);
        Flusher = new FileFlusher(clusterWriter, sync, Holds, Counts, clock);
        PageWriter = new PageWriter(_files, clusterWriter, sync, _counters, Counts, clock, progress, limits);
        Lifecycle = new FileLifecycle(_files, Flusher, Eviction, Truncation, Holds, _pool.PageSize, Options.UseDirectIO, Options.FlushOnLastClose, Options.LockFiles, Options.MaxIdleFiles, Canaries.SkipDirectorySync ? static _ => { } : Options.SyncDirectory); // the canary syncs nothing
        _instruments.Observe(_counters, () => _pool.FrameCount - _queues.CountRacy(PageQueue.Free), () => _allocator.CountHeldAndDirtyFrames().Held, () => Counts.DirtyPages, () => Counts.WritebackPages, () => Counts.UnsyncedPages);
        _allocator.SetLaunderer(new PageLaunderer(_pool, _files, clusterWriter, sync, PageWriter, progress, Options.TimeProvider, limits.MaxPageWait));
        if (Options.StartPageWriter)
        {
            // Throttling needs someone to clean: without the page writer's thread, dirty data is
            // bounded by the pool alone and reclaim launders it.
            Writes.SetThrottle(new DirtyThrottle(_counters, Counts, clock, PageWriter.Wake, progress, limits, Canaries));
            PageWriter.Start();
        }

        _prewarmer = new Prewarmer(Reads, Lifecycle, _counters, Options.TimeProvider, _pool.PageSize, Options.MaxPrewarmReadsPerSecond);
        Action<string> syncDirectory = Canaries.SkipDirectorySync ? static _ => { } : Options.SyncDirectory; // the canary syncs nothing
        _residentSetSaver = new ResidentSetSaver(_files, _pool, _counters, syncDirectory, limits.MaxPageWait, Options.ResidentSetPath, Options.ResidentSetSaveInterval, Options.TimeProvider);
        if (Options.ResidentSetPath is { } residentSetPath && Options.PrewarmAtStart)
        {
            StartupPrewarm = _prewarmer.RunAsync(residentSetPath, CancellationToken.None);
        }
    }

    /// <summary>
    /// The background reload of <see cref="PageCacheOptions.ResidentSetPath"/> this cache started when
    /// it was created (<see cref="PageCacheOptions.PrewarmAtStart"/>), or null when it started none.
    /// It never faults: a missing or invalid file completes it with that status; disposing the cache
    /// completes it with <see cref="PrewarmResult.StoppedByDispose"/>. Awaiting it is optional.
    /// </summary>
    public Task<PrewarmResult>? StartupPrewarm { get; }

    /// <summary>The options the cache was created with.</summary>
    public PageCacheOptions Options { get; }

    /// <summary>The page size in bytes.</summary>
    public int PageSize => _pool.PageSize;

    internal FramePool Pool => _pool;

    /// <summary>The bugs planted in this cache (none outside the canary tests), resolved once from the options.</summary>
    internal Canaries Canaries { get; }

    internal PageHolds Holds { get; }

    internal PageTransitions Transitions { get; }

    internal ReadPath Reads { get; }

    internal WritePath Writes { get; }

    internal Truncation Truncation { get; }

    internal Eviction Eviction { get; }

    internal FileFlusher Flusher { get; }

    internal PageWriter PageWriter { get; }

    internal FileLifecycle Lifecycle { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal CacheCounters Counters => _counters;

    /// <summary>The counts that steer writeback: the not-durable gauges and who waits on writeback.</summary>
    internal WritebackCounts Counts { get; } = new();

    /// <summary>The cache's meter (named "Quire"), for tests that listen to this cache alone.</summary>
    internal System.Diagnostics.Metrics.Meter Meter => _instruments.Meter;

    /// <summary>
    /// Opens a file through the cache, sharing it with every other handle (as
    /// <see cref="Open(string, FileMode, FileAccess, FileShare)"/> with
    /// <c>FileShare.ReadWrite | FileShare.Delete</c>). Opening a file that is already open, by this
    /// path or by any other name of the same file (a hard link), shares its pages, its size and its
    /// OS handle: the handles are views of one file. A file is known by its device and inode, not by
    /// its name: a name deleted and created again names a new file, which shares nothing with
    /// handles still open on the old one. A write open of a file open read-only in this cache opens
    /// it for writing; its read-only handles see what is written.
    /// </summary>
    /// <param name="path">The file's path.</param>
    /// <param name="mode">How to open or create it; <see cref="FileMode.Append"/> is not supported.</param>
    /// <param name="access"><see cref="FileAccess.Read"/> or <see cref="FileAccess.ReadWrite"/>.</param>
    /// <returns>
    /// A handle; dispose it to release the file (the last handle flushes it, unless
    /// <see cref="PageCacheOptions.FlushOnLastClose"/> is off). A file this open created (any mode
    /// that creates, with <see cref="FileAccess.ReadWrite"/>) has its name made durable by its first
    /// flush, which syncs its directory after the file: until a flush returns, a power cut may lose
    /// the name with the data. A file created by a read-only open is empty and never flushed, so
    /// its name is left to the OS. The file's clean pages stay cached
    /// after its last handle closes, and a reopen reads them from memory if the file on disk is
    /// unchanged (same inode, size, modification and change times); if another process changed it,
    /// the cached pages are dropped and the file is read again.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException">The path is empty, or the mode or access is not supported.</exception>
    /// <exception cref="IOException">The file cannot be opened (another process holds it locked, see <see cref="PageCacheOptions.LockFiles"/>); a handle open in this cache does not share the access asked; or <see cref="FileMode.CreateNew"/> was given for an existing file.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission is denied.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public CachedFile Open(string path, FileMode mode = FileMode.OpenOrCreate, FileAccess access = FileAccess.ReadWrite) =>
        Open(path, mode, access, FileSharing.All);

    /// <summary>
    /// Opens a file through the cache as <see cref="Open(string, FileMode, FileAccess)"/> does,
    /// with a share mode that says what other handles of this cache may do while this one is open,
    /// with the meaning <see cref="FileShare"/> gives it: an open is refused when it asks for an
    /// access that an open handle does not share (every handle reads, so a handle without
    /// <see cref="FileShare.Read"/> keeps every other open out), or when it does not share an
    /// access that an open handle has; <see cref="Delete"/> and <see cref="Move"/> of the file are
    /// refused while a handle does not share <see cref="FileShare.Delete"/>. A refusal throws the
    /// <see cref="IOException"/> that <see cref="FileStream"/> throws on Linux for a file locked by
    /// another open, and changes nothing. Other processes are kept out by a lock of their own
    /// (<see cref="PageCacheOptions.LockFiles"/>), not by this share mode.
    /// </summary>
    /// <param name="path">The file's path.</param>
    /// <param name="mode">How to open or create it; <see cref="FileMode.Append"/> is not supported.</param>
    /// <param name="access"><see cref="FileAccess.Read"/> or <see cref="FileAccess.ReadWrite"/>.</param>
    /// <param name="share">What other handles of this cache may do with the file while this one is open.</param>
    /// <returns>A handle, as <see cref="Open(string, FileMode, FileAccess)"/> returns.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException">The path is empty, or the mode or access is not supported.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="share"/> is not a combination of <see cref="FileShare"/>'s flags.</exception>
    /// <exception cref="IOException">The file cannot be opened (another process holds it locked); a handle open in this cache does not share the access asked, or this share refuses an access an open handle has; or <see cref="FileMode.CreateNew"/> was given for an existing file.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission is denied.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public CachedFile Open(string path, FileMode mode, FileAccess access, FileShare share)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileLifecycle.ValidateModeAndAccess(mode, access);
        FileSharing.Validate(share);
        ThrowIfDisposed();
        bool writable = access == FileAccess.ReadWrite;
        FileObject file = Lifecycle.Open(path, mode, writable, share, out bool truncate);
        var handle = new CachedFile(this, file, writable, Path.GetFullPath(path), share);
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
        FileLifecycle.ValidateModeAndAccess(FileMode.Open, access);
        ThrowIfDisposed();
        bool writable = access == FileAccess.ReadWrite;
        if (writable && !store.CanWrite)
        {
            throw new ArgumentException($"The backing store '{store.Name}' cannot write; open it with FileAccess.Read.", nameof(access));
        }

        FileObject file = Lifecycle.Open(store, writable);
        return new CachedFile(this, file, writable);
    }

    /// <summary>
    /// The length in bytes of the file at <paramref name="path"/> as the cache sees it: where the
    /// cache has the file (open, or kept after its last close and unchanged on disk), its size,
    /// including writes not yet flushed, which the OS's length does not show yet; otherwise the OS's
    /// length. Any name of the file answers alike. Costs one stat of the path; opens nothing.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">No regular file has that name.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public long GetLength(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ThrowIfDisposed();
        return Lifecycle.GetLength(path) ?? throw new FileNotFoundException($"Could not find file '{Path.GetFullPath(path)}'.", Path.GetFullPath(path));
    }

    /// <summary>
    /// Deletes the file name <paramref name="path"/>, as <see cref="File.Delete(string)"/> does (a
    /// missing name is no error), and makes the delete durable before it returns: it syncs the
    /// directory (fsync on Linux; elsewhere the OS keeps the name as it will), so the name does not
    /// come back after a power cut. Handles open on the file keep working on it. If that was the
    /// file's last name, its cached pages are dropped when its last handle closes (at once if none is
    /// open), dirty ones included: nobody can open the file again, so they are never written back
    /// (as Linux does with an unlinked inode), and the last close does not flush. A file with
    /// another name (a hard link) keeps its pages and is written back as before.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">
    /// A handle open on the file in this cache does not share <see cref="FileShare.Delete"/> (nothing
    /// was deleted); the OS refused the delete; or the name was deleted but the sync of its directory
    /// failed (try again with <see cref="SyncDirectory"/>; the
    /// message says so, the OS's error is the inner exception and its errno the
    /// <see cref="Exception.HResult"/>): the delete stands, but a crash may bring the name back.
    /// </exception>
    /// <exception cref="UnauthorizedAccessException">Permission is denied.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public void Delete(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ThrowIfDisposed();
        Lifecycle.Names.Delete(path);
    }

    /// <summary>
    /// Renames <paramref name="source"/> to <paramref name="destination"/>, as
    /// <see cref="File.Move(string, string, bool)"/> does, durably, as PostgreSQL's durable_rename
    /// does: first it flushes the file if the cache has it open for writing (its data and its name
    /// under <paramref name="source"/>), then it renames it, then it syncs the destination's directory
    /// and the source's when it is another (fsync on Linux; elsewhere the OS keeps the names as it
    /// will). When it returns, the new name, the file's data written before the call, and the end of
    /// a file the rename replaced all survive a power cut; a crash never leaves the new name on data
    /// older than the call. The file keeps its cached pages and its open handles, which keep working:
    /// a reopen by the new name reads from memory. A file the rename replaces is deleted as by
    /// <see cref="Delete"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException">A path is null.</exception>
    /// <exception cref="ArgumentException">A path is empty.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="source"/> does not exist.</exception>
    /// <exception cref="WritebackFailedException">The file's data could not be made durable before the rename: nothing was renamed.</exception>
    /// <exception cref="IOException">
    /// <paramref name="destination"/> exists and <paramref name="overwrite"/> is false; a handle open
    /// in this cache on the file or on the file it would replace does not share
    /// <see cref="FileShare.Delete"/> (nothing was renamed); the OS refused the rename; or the file was renamed but the sync of a directory failed (the message
    /// says so, the OS's error is the inner exception and its errno the <see cref="Exception.HResult"/>):
    /// the rename stands, but a crash may undo it until <see cref="SyncDirectory"/> succeeds.
    /// </exception>
    /// <exception cref="UnauthorizedAccessException">Permission is denied.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public void Move(string source, string destination, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ThrowIfDisposed();
        Lifecycle.Names.Move(source, destination, overwrite);
    }

    /// <summary>
    /// Makes the names in the directory <paramref name="directoryPath"/> durable (fsync of the
    /// directory on Linux; elsewhere the OS keeps names as it will): the way to try again when
    /// <see cref="Move"/> or <see cref="Delete"/> made its change but said the sync of a directory
    /// failed, and for names changed outside the cache (<see cref="File.Move(string, string)"/>,
    /// a directory created). As PostgreSQL does, a directory the process may not open for reading
    /// or a file system that cannot sync a directory is taken as nothing to do.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="directoryPath"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="directoryPath"/> is empty.</exception>
    /// <exception cref="IOException">The directory cannot be opened (it does not exist, say) or its sync failed; the OS's errno is the <see cref="Exception.HResult"/>. The names may not survive a crash: try again.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public void SyncDirectory(string directoryPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(directoryPath);
        ThrowIfDisposed();
        Lifecycle.Names.SyncDirectory(directoryPath);
    }

    /// <summary>
    /// Whether a regular file has the name <paramref name="path"/>, as <see cref="File.Exists(string)"/>
    /// says: a file created through the cache exists from its open on, and a deleted one no longer
    /// does, even while handles keep it open. Costs one stat of the path.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public bool FileExists(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ThrowIfDisposed();
        return Lifecycle.GetLength(path) is not null;
    }

    /// <summary>Takes a snapshot of the cache's frames and counters. Scans the frame metadata to count pinned frames.</summary>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public PageCacheStatistics GetStatistics()
    {
        ThrowIfDisposed();
        (int held, _) = _allocator.CountHeldAndDirtyFrames();
        (int openFiles, int idleFiles) = Lifecycle.CountFiles();
        return new PageCacheStatistics
        {
            FrameCount = _pool.FrameCount,
            PageSize = _pool.PageSize,
            FreeFrames = _queues.CountRacy(PageQueue.Free),
            ActiveFrames = _queues.CountRacy(PageQueue.Active),
            InactiveFrames = _queues.CountRacy(PageQueue.Inactive),
            PinnedFrames = held,
            // Read against the flow (unsynced, then writeback, then dirty): a page that moves on
            // between two reads is then missed, not counted twice, so a sum is not inflated.
            UnsyncedPages = Counts.UnsyncedPages,
            WritebackPages = Counts.WritebackPages,
            DirtyPages = Counts.DirtyPages,
            OpenFiles = openFiles,
            IdleFiles = idleFiles,
            ReopenedFiles = Lifecycle.ReopenedFiles,
            StaleFiles = Lifecycle.StaleFiles,
            Deletes = Lifecycle.Names.Deletes,
            Moves = Lifecycle.Names.Moves,
            Hits = _counters.Hits.Value,
            Misses = _counters.Misses.Value,
            PagesRead = _counters.PagesRead.Value,
            ReadIos = _counters.ReadIos.Value,
            ReadAheadPages = _counters.ReadAheadPages.Value,
            PrewarmedPages = _counters.PrewarmedPages.Value,
            PrewarmChangedFiles = _counters.PrewarmChangedFiles.Value,
            PrewarmMissingFiles = _counters.PrewarmMissingFiles.Value,
            ResidentSetSaves = _counters.ResidentSetSaves.Value,
            ResidentSetSaveFailures = _counters.ResidentSetSaveFailures.Value,
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

    /// <summary>
    /// Saves a description of the resident set (never the data) to <paramref name="path"/>: for every
    /// file opened by path whose name still names it, the full path, the identity (device, inode),
    /// size and modification time a stat gives now, and its resident pages as runs of page numbers
    /// with their hotness (active, referenced, cold). Files opened through a caller's
    /// <see cref="IBackingStore"/> are left out: a new cache could not open them. The file is
    /// versioned and checksummed, and replaced atomically and durably (written to
    /// <c>path + ".tmp"</c>, fsynced, renamed over <paramref name="path"/>, directory synced): a crash
    /// leaves the previous file or the new one. A file with pages written but not yet written back
    /// will have a newer modification time once they are, and is then skipped by a reload; the save
    /// at dispose runs after the flush, so it does not miss them. Thread-safe; saves are serialized.
    /// </summary>
    /// <param name="path">Where to save; its directory must exist.</param>
    /// <returns>The number of pages described.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file could not be written or renamed, or its directory synced (the previous file stays, except after a failed directory sync, where the rename stands but may not survive a power cut).</exception>
    /// <exception cref="UnauthorizedAccessException">Permission is denied.</exception>
    /// <exception cref="TimeoutException">Another save did not finish within <see cref="PageCacheOptions.MaxPageWait"/>.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public long SaveResidentSet(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ThrowIfDisposed();
        return _residentSetSaver.Save(path);
    }

    /// <summary>
    /// Reloads the resident set saved at <paramref name="path"/> (by <see cref="SaveResidentSet"/> or
    /// <see cref="PageCacheOptions.ResidentSetPath"/>) in the background, and completes when done.
    /// Files are taken those with the most hot pages first, hot pages in a first pass and cold ones
    /// in a second, and within a file in file-offset order. A file whose name is gone, names
    /// another file (a new inode), or whose size or modification time differs from the saved ones
    /// is skipped. Reads are one at a time and at most
    /// <see cref="PageCacheOptions.MaxPrewarmReadsPerSecond"/>; they use only free frames, so a
    /// prewarm never evicts a page, and it stops when no free frame is left. Reloaded pages go to
    /// the inactive queue like read-ahead: they are not hotter than pages the application uses. A
    /// file being reloaded is open as by <see cref="Open(string, FileMode, FileAccess)"/> (read-write
    /// where permitted, so the application's read-write opens do not conflict; read-only otherwise).
    /// Pages the saving cache had in pages of another size are mapped to this cache's pages.
    /// </summary>
    /// <param name="path">The saved file.</param>
    /// <param name="cancellationToken">Stops the reload at its next read; the task is then cancelled.</param>
    /// <returns>
    /// What was reloaded and skipped. A missing file gives <see cref="ResidentSetStatus.Missing"/>;
    /// an unreadable, truncated or corrupt one <see cref="ResidentSetStatus.Invalid"/> and a logged
    /// warning; neither throws. Disposing the cache completes it with <see cref="PrewarmResult.StoppedByDispose"/>.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public Task<PrewarmResult> PrewarmAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ThrowIfDisposed();
        return _prewarmer.RunAsync(path, cancellationToken);
    }

    /// <summary>Flushes every open file: writes its dirty pages and makes them durable.</summary>
    /// <exception cref="WritebackFailedException">A file's data could not be made durable (one file).</exception>
    /// <exception cref="AggregateException">Several files' data could not be made durable; each inner exception names one.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public void FlushAll()
    {
        ThrowIfDisposed();
        ThrowIfWriterFailed();
        List<Exception> errors = Lifecycle.FlushEveryFile();
        Lifecycle.AddEpochsForFlushAll(errors);
        Lifecycle.ReleaseIdleFiles(except: null);
        ThrowHelper.ThrowIfNotDurable(errors);
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

        _residentSetSaver.Dispose(); // no periodic save starts now; SaveAtDispose waits for one under way
        _prewarmer.Stop(Holds.NewPageDeadline()); // before BeginDispose: a prewarm closes its files as a handle does
        Lifecycle.BeginDispose();
        _instruments.Dispose();
        Reads.WaitForPrefetches(Holds.NewPageDeadline());
        PageWriter.Dispose();
        List<Exception> errors = Lifecycle.FlushEveryFile();
        _residentSetSaver.SaveAtDispose();
        Lifecycle.CloseAll();

        _clusterWriter.Dispose(); // its io_uring rings, idle now
        _prewarmer.Dispose();
        _pool.BeginDispose();
        (int held, _) = _allocator.CountHeldAndDirtyFrames();
        if (held == 0)
        {
            // A frame still held belongs to a thread racing with Dispose: its memory stays
            // allocated rather than be freed under it.
            _pool.Dispose();
        }

        ThrowHelper.ThrowIfNotDurable(errors);
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
}
