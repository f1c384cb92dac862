// CachedFile: a handle on a file of the cache: reads, writes, leases, flushes, advice and size
// changes, each handed to the layer that does it; its own state is the handle's read-ahead
// heuristics, its accounting (bytes dirtied, throttle pauses) and its error cursor.
//
// Locking: _errorCursor is guarded by the file object's lock (F); _disposed and the accounting are
// atomic; the read-ahead state is a heuristic that tolerates racing readers.

using Quire.Files;
using Quire.Internal;
using Quire.Paging;

namespace Quire;

/// <summary>
/// A handle to a file opened through a <see cref="PageCache"/>: reads and writes at any byte
/// offset go through the cache's frames. Handles to the same file share its pages and size;
/// each has its own read-ahead state and access mode.
/// </summary>
/// <remarks>
/// <para>
/// All members are thread-safe. Reads and writes are atomic per page: a concurrent reader sees
/// each page either before or after a write, never a torn page; a read spanning several pages
/// may see some before and some after a concurrent write. A write that extends the file sets the
/// new size before it copies, so a concurrent reader may see zeros in the new range while the
/// write is in progress.
/// </para>
/// <para>
/// Nothing is durable until <see cref="Flush()"/> returns. Disposing the last handle to a file
/// flushes it and, if the data cannot be written, throws, keeping the data in the cache (unless
/// <see cref="PageCacheOptions.FlushOnLastClose"/> is off: the page writer writes it later).
/// </para>
/// </remarks>
public sealed class CachedFile : IDisposable, IAsyncDisposable
{
    private readonly PageCache _cache; // (I)
    private readonly FileObject _file; // (I)
    private readonly string _name; // (I)
    private readonly FileShare _share; // (I) what this handle lets other handles do (FileSharing)
    private readonly ReadAheadState _readAhead = new(); // heuristics, see ReadAheadState
    private readonly HandleAccounting _accounting = new(); // (A)
    private readonly LeaseSet _leases = new(); // its own lock: the storable leases taken through this handle
    private int _errorCursor; // (F) the last error epoch this handle reported
    private int _disposed; // (A)

    internal CachedFile(PageCache cache, FileObject file, bool canWrite, string? name = null, FileShare share = FileSharing.All)
    {
        _cache = cache;
        _file = file;
        _name = name ?? file.Name;
        _share = share;
        CanWrite = canWrite;
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            // The canary SkipUnreportedEpochForNewHandle samples the current epoch, as a cursor
            // would without Linux 4.17's rule for an epoch nobody has reported.
            _errorCursor = cache.Canaries.SkipUnreportedEpochForNewHandle ? file.Errors.Epoch : file.Errors.NewCursorLocked();
        }
    }

    /// <summary>The full path this handle was opened by (one of the file's names, if it has several), or the backing store's name.</summary>
    public string Name => _name;

    /// <summary>Whether this handle may write (opened with <see cref="FileAccess.ReadWrite"/>).</summary>
    public bool CanWrite { get; }

    /// <summary>The file's size in bytes as the cache sees it: it includes writes not yet flushed.</summary>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public long Length
    {
        get
        {
            ThrowIfDisposed();
            return _file.Size;
        }
    }

    /// <summary>The cache's page size: leases must lie within one page of this size.</summary>
    public int PageSize => _cache.PageSize;

    internal FileObject FileObject => _file;

    internal HandleAccounting Accounting => _accounting;

    internal PageCache Cache => _cache;

    internal LeaseSet Leases => _leases;

    internal ReadAheadState ReadAhead => _readAhead;

    /// <summary>
    /// Reads bytes at <paramref name="fileOffset"/> into <paramref name="buffer"/>. Returns the number
    /// read: all of them, or fewer at end of file, 0 at or past it. A hit takes no cache-wide lock and
    /// allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fileOffset"/> is negative, or the range ends past <see cref="long.MaxValue"/>.</exception>
    /// <exception cref="BackingStoreException">The store failed to read a page the call needs; nothing was cached from the failed read.</exception>
    /// <exception cref="PageCacheExhaustedException">No frame could be had to read into.</exception>
    /// <exception cref="TimeoutException">A page the call needs was held by another thread too long.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public int Read(long fileOffset, Span<byte> buffer)
    {
        ThrowHelper.ValidateRange(fileOffset, buffer.Length, countName: nameof(buffer));
        ThrowIfDisposed();
        return _cache.Reads.Read(_file, _readAhead, fileOffset, buffer);
    }

    /// <summary>
    /// Reads <paramref name="buffer"/>.Length bytes at <paramref name="fileOffset"/> only if every page
    /// they lie in is cached: a read that never waits and never does I/O, for engines that serve
    /// hits on their own thread and send misses elsewhere (an I/O thread, an asynchronous read).
    /// </summary>
    /// <param name="fileOffset">Where to read.</param>
    /// <param name="buffer">Where to copy the bytes; its contents are unspecified when this returns false.</param>
    /// <param name="bytesRead">The bytes copied: the buffer's length, or fewer at end of file; 0 when this returns false.</param>
    /// <returns>True when the bytes were copied; false when a page is not cached, not yet valid, or held by a writer.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fileOffset"/> is negative, or the range ends past <see cref="long.MaxValue"/>.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public bool TryRead(long fileOffset, Span<byte> buffer, out int bytesRead)
    {
        ThrowHelper.ValidateRange(fileOffset, buffer.Length, countName: nameof(buffer));
        ThrowIfDisposed();
        return _cache.Reads.TryRead(_file, _readAhead, fileOffset, buffer, out bytesRead);
    }

    /// <summary>
    /// Reads asynchronously; the same contract as <see cref="Read"/>. Completes synchronously,
    /// without allocating, when every page is a hit; a miss awaits the store's read.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing was cached from a cancelled read.</exception>
    public ValueTask<int> ReadAsync(long fileOffset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowHelper.ValidateRange(fileOffset, buffer.Length, countName: nameof(buffer));
        ThrowIfDisposed();
        return _cache.Reads.ReadAsync(_file, _readAhead, fileOffset, buffer, cancellationToken);
    }

    /// <summary>
    /// The key of <see cref="Exception.Data"/> under which a failed <see cref="Write"/> gives the
    /// number of its bytes that were written into the cache before it failed (a <see cref="long"/>).
    /// </summary>
    public const string BytesWrittenKey = "Quire.BytesWritten";

    /// <summary>
    /// Writes <paramref name="buffer"/> at <paramref name="fileOffset"/>, extending the file when it ends
    /// past the end (a gap reads as zeros). Only sectors the write covers partially and that are not
    /// cached are read first. The data is in the cache, not durable, when this returns.
    /// </summary>
    /// <remarks>
    /// A write of up to 4 MiB (1,024 pages, and at most the pool less its reserve) is all or nothing
    /// unless the throttle gives up after it (see <see cref="WritebackStalledException"/>). A larger
    /// write is applied in pieces of that size. When a call fails after some of its bytes are in the
    /// cache (a later piece failed, or the throttle gave up), the exception is the one the failure
    /// raised, and its <see cref="Exception.Data"/> holds the number of bytes written, from
    /// <paramref name="fileOffset"/> on, under <see cref="BytesWrittenKey"/> (a <see cref="long"/>);
    /// without that entry nothing was written. When the dirty limit is reached, the call may pause
    /// (dirty throttling) after its data is in the cache.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fileOffset"/> is negative, or the range ends past <see cref="long.MaxValue"/>.</exception>
    /// <exception cref="NotSupportedException">The handle is read-only.</exception>
    /// <exception cref="BackingStoreException">A partially written sector could not be read.</exception>
    /// <exception cref="PageCacheExhaustedException">No frame could be had.</exception>
    /// <exception cref="TimeoutException">A page was held by another thread too long.</exception>
    /// <exception cref="WritebackStalledException">The data to write stayed over the dirty limit while the device wrote nothing for <see cref="PageCacheOptions.MaxWritebackStall"/>; this call's data is in the cache (its <see cref="Exception.Data"/> says how much).</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public void Write(long fileOffset, ReadOnlySpan<byte> buffer)
    {
        ThrowHelper.ValidateRange(fileOffset, buffer.Length, countName: nameof(buffer));
        ThrowIfDisposed();
        ThrowIfReadOnly();
        _cache.Writes.Write(_file, _accounting, fileOffset, buffer);
    }

    /// <summary>
    /// Writes asynchronously; the same contract as <see cref="Write"/>. Writes are copies into the
    /// cache, made on the calling thread (reading a partially written sector inline if it must);
    /// when the dirty limit calls for a pause (dirty throttling), the pause is awaited without
    /// holding a thread, and this completes synchronously otherwise.
    /// </summary>
    /// <remarks>
    /// Cancelling <paramref name="cancellationToken"/> during a throttle pause ends the pause: the
    /// data is in the cache by then, so the write completes normally. A
    /// <see cref="WritebackStalledException"/> from a pause is reported through the returned task,
    /// with the bytes written under <see cref="BytesWrittenKey"/>; the other exceptions of
    /// <see cref="Write"/> are thrown by the call itself.
    /// </remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before anything was written.</exception>
    public ValueTask WriteAsync(long fileOffset, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowHelper.ValidateRange(fileOffset, buffer.Length, countName: nameof(buffer));
        ThrowIfDisposed();
        ThrowIfReadOnly();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        return _cache.Writes.WriteAsync(_file, _accounting, fileOffset, buffer, cancellationToken);
    }

    /// <summary>
    /// Sets the file's size. Shrinking drops the cached pages past the new end, dirty or not, and
    /// cuts the file; a later extension reads zeros there. Extending reads as zeros.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The handle is read-only.</exception>
    /// <exception cref="BackingStoreException">
    /// The store refused the new length. When extending, nothing changed. When shrinking, the
    /// cache already has the new size; the store is cut before anything else is written to it.
    /// </exception>
    /// <exception cref="TimeoutException">The new last page was held by another thread too long.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public void SetLength(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ThrowIfDisposed();
        ThrowIfReadOnly();
        _cache.Truncation.SetLength(_file, length);
    }

    /// <summary>
    /// Drops the cached pages of a range without writing them back: dirty data in the range that
    /// was not yet written is given up on purpose, and the range then reads as the store holds it
    /// (zeros past the store's end). The file's length does not change (use
    /// <see cref="SetLength"/> to shorten it). This is the way out of a write failure that retrying
    /// cannot heal (<see cref="WritebackFailedException.IsPermanent"/>): once the failed ranges are
    /// discarded, flushes succeed again, after reporting the failure once to each handle that has
    /// not seen it. Waits for writes of the file in flight; a page a lease holds leaves the cache
    /// when the lease is released.
    /// </summary>
    /// <param name="fileOffset">The first byte; a multiple of <see cref="PageCache.PageSize"/>.</param>
    /// <param name="byteCount">The bytes to drop: a multiple of the page size, or any count that reaches the end of the file (<see cref="long.MaxValue"/> for all of it).</param>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative, ends past <see cref="long.MaxValue"/>, or does not start and end on page boundaries (unless it reaches the end of the file).</exception>
    /// <exception cref="NotSupportedException">The handle is read-only.</exception>
    /// <exception cref="TimeoutException">A write of the file in flight did not finish within <see cref="PageCacheOptions.MaxPageWait"/>.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public void Discard(long fileOffset, long byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fileOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(byteCount, long.MaxValue - fileOffset);
        ThrowIfDisposed();
        ThrowIfReadOnly();
        int pageSize = _cache.PageSize;
        long end = fileOffset + byteCount;
        bool toEnd = end >= _file.Size;
        if (fileOffset % pageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fileOffset), fileOffset, $"'{nameof(fileOffset)}' must be a multiple of the page size {pageSize}, but it is {fileOffset}.");
        }

        if (!toEnd && byteCount % pageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(byteCount), byteCount, $"'{nameof(byteCount)}' must be a multiple of the page size {pageSize} or reach the end of the file, but it is {byteCount} from {fileOffset} in a file of {_file.Size} bytes.");
        }

        long endPage = toEnd ? long.MaxValue : end / pageSize;
        _cache.Truncation.Discard(_file, fileOffset / pageSize, endPage);
    }

    /// <summary>
    /// Writes every dirty page of the file, in clusters of adjacent pages, and makes them and the
    /// file's size durable. When this returns, everything written before the call, through any
    /// handle, is durable, and so is the file's name if the cache created the file (the first flush
    /// after the create syncs its directory).
    /// </summary>
    /// <exception cref="WritebackFailedException">Some data, or the name of a file the cache created, could not be written or made durable; it stays dirty (the name not durable) and is written again by the next flush.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public void Flush()
    {
        ThrowIfDisposed();
        FlushPages(0, long.MaxValue);
    }

    /// <summary>
    /// Flushes as <see cref="Flush()"/> does, waiting at most <paramref name="timeout"/>: a store
    /// whose durable flush hangs (a dead network disk, a device that stopped answering) does not
    /// hang the caller. On a timeout the flush goes on in the background and nothing is lost: the
    /// data stays dirty or unsynced until a flush completes, and a failure of the one left running
    /// is reported to every handle, this one included, at its next flush.
    /// </summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits as <see cref="Flush()"/> does.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite) or longer than <see cref="int.MaxValue"/> milliseconds.</exception>
    /// <exception cref="TimeoutException">The flush did not finish in time; it goes on in the background.</exception>
    /// <exception cref="WritebackFailedException">Some data could not be written or made durable; it stays dirty and is written again by the next flush.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public void Flush(TimeSpan timeout)
    {
        long milliseconds = (long)timeout.TotalMilliseconds;
        if (timeout != Timeout.InfiniteTimeSpan && (milliseconds < 0 || milliseconds > int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be between 0 and int.MaxValue milliseconds, or Timeout.InfiniteTimeSpan.");
        }

        ThrowIfDisposed();
        if (timeout == Timeout.InfiniteTimeSpan || !CanWrite || _file.IsDurable)
        {
            FlushPages(0, long.MaxValue);
            return;
        }

        Task<WritebackFailedException?> flush = StartFileFlush(CancellationToken.None);
        if (!((IAsyncResult)flush).AsyncWaitHandle.WaitOne(timeout))
        {
            throw new TimeoutException($"The flush of '{Name}' did not finish within {timeout.TotalMilliseconds} ms. It goes on in the background; the data is not durable until a flush completes, and a failure is reported to every handle's next flush.");
        }

        ReportErrors(flush.GetAwaiter().GetResult());
    }

    /// <summary>
    /// Flushes; the same contract as <see cref="Flush()"/>, without blocking the calling thread: the
    /// writes and the store's durable flush run on a thread-pool thread, as
    /// <see cref="RandomAccess"/> runs its asynchronous calls on Unix. When there is nothing to
    /// write or sync (every page written before the call is already durable), or the handle is
    /// read-only, it completes synchronously, reporting any error this handle has not seen.
    /// </summary>
    /// <param name="cancellationToken">
    /// Ends the wait: the task is cancelled at once, even while the store's durable flush hangs.
    /// A flush that has started goes on in the background and nothing is lost: the data stays dirty
    /// or unsynced until a flush completes, and a failure of the one left running is reported to
    /// every handle, this one included, at its next flush.
    /// </param>
    /// <returns>A task that completes when everything written before the call is durable, or faults with the flush's error.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the flush finished (in the task once it started).</exception>
    /// <exception cref="WritebackFailedException">Some data could not be written or made durable (in the task).</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        if (!CanWrite || _file.IsDurable)
        {
            try
            {
                FlushPages(0, long.MaxValue);
                return ValueTask.CompletedTask;
            }
            catch (Exception e) when (e is IOException or PageCacheInvariantException)
            {
                return ValueTask.FromException(e);
            }
        }

        return new ValueTask(FinishFlushAsync(StartFileFlush(cancellationToken), cancellationToken));
    }

    /// <summary>
    /// Starts writing back the dirty pages of a range without waiting for them or making them durable
    /// (sync_file_range's WRITE): the range is queued for the page writer's next pass, which runs at
    /// once on its thread (or when a test drives the page writer, if it runs without one).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or ends past <see cref="long.MaxValue"/>.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public void StartWriteback(long fileOffset, long byteCount)
    {
        ThrowHelper.ValidateRange(fileOffset, byteCount);
        ThrowIfDisposed();
        if (CanWrite && byteCount > 0)
        {
            (long first, long end) = PageSpan(fileOffset, byteCount);
            _cache.PageWriter.Request(_file, first, end);
        }
    }

    /// <summary>A snapshot of this file's cache state and of this handle's I/O accounting.</summary>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public CachedFileStatistics GetStatistics()
    {
        ThrowIfDisposed();
        int residentPages;
        using (LockOrder.Enter(_file.Lock, LockRank.FileObject))
        {
            residentPages = _file.Index.Count;
        }

        return new CachedFileStatistics
        {
            Length = _file.Size,
            ResidentPages = residentPages,
            DirtyPages = _file.DirtyPageCount,
            WritebackPages = _file.WritebackPageCount,
            UnsyncedPages = _file.UnsyncedPageCount,
            OldestDirtyAge = _cache.Transitions.OldestDirtyAge(_file),
            WriteBandwidthBytesPerSecond = _file.Device.BandwidthBytesPerSecond,
            BytesDirtied = _accounting.BytesDirtied,
            BytesWrittenByFlush = _accounting.BytesWrittenByFlush,
            ThrottlePauses = _accounting.ThrottlePauses,
            ThrottleTime = _accounting.ThrottleTime,
        };
    }

    /// <summary>
    /// Writes the dirty pages of a range and makes the file durable (msync). Durability is per file,
    /// so pages written earlier outside the range become durable too.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or ends past <see cref="long.MaxValue"/>.</exception>
    /// <exception cref="WritebackFailedException">Some data could not be written or made durable.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public void FlushRange(long fileOffset, long byteCount)
    {
        ThrowHelper.ValidateRange(fileOffset, byteCount);
        ThrowIfDisposed();
        if (byteCount > 0)
        {
            (long first, long end) = PageSpan(fileOffset, byteCount);
            FlushPages(first, end);
        }
    }

    /// <summary>
    /// Advises the cache how the range will be used: <see cref="FileAdvice.Normal"/>,
    /// <see cref="FileAdvice.Sequential"/> and <see cref="FileAdvice.Random"/> set this handle's
    /// read-ahead policy (the range is ignored, as Linux does); <see cref="FileAdvice.WillNeed"/>
    /// reads the range's missing pages in the background; <see cref="FileAdvice.DontNeed"/> drops
    /// its clean pages and moves the others to be reclaimed first, keeping dirty data.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or ends past <see cref="long.MaxValue"/>, or the advice is not defined.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public void Advise(long fileOffset, long byteCount, FileAdvice advice)
    {
        ThrowHelper.ValidateRange(fileOffset, byteCount);
        if (!Enum.IsDefined(advice))
        {
            throw new ArgumentOutOfRangeException(nameof(advice), advice, $"'{nameof(advice)}' is not a defined FileAdvice value: {(int)advice}.");
        }

        ThrowIfDisposed();
        switch (advice)
        {
            case FileAdvice.Normal or FileAdvice.Sequential or FileAdvice.Random:
                _readAhead.Advice = advice;
                break;
            case FileAdvice.WillNeed:
                long end = Math.Min(fileOffset + byteCount, _file.Size);
                if (end > fileOffset)
                {
                    (long first, long endPage) = PageSpan(fileOffset, end - fileOffset);
                    _cache.Reads.StartPrefetch(_file, first, endPage);
                }

                break;
            case FileAdvice.DontNeed:
                if (byteCount > 0)
                {
                    (long first, long endPage) = PageSpan(fileOffset, byteCount);
                    _cache.Counters.AdvisedEvictions.Add(_cache.Eviction.DropRange(_file, first, endPage));
                }

                break;
        }
    }

    /// <summary>
    /// Pins <paramref name="byteCount"/> bytes at <paramref name="fileOffset"/>, which must lie in one
    /// page and within the file, for zero-copy reading. While the lease is held the page is not
    /// evicted and writes to it wait; dispose the lease (with <c>using</c>) promptly, and do not copy it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative, crosses a page boundary, or extends past end of file.</exception>
    /// <exception cref="BackingStoreException">The page could not be read.</exception>
    /// <exception cref="PageCacheExhaustedException">No frame could be had.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public PageLease Pin(long fileOffset, int byteCount)
    {
        ValidateLeaseRange(fileOffset, byteCount);
        ThrowIfDisposed();
        if (fileOffset + byteCount > _file.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(byteCount), byteCount, $"The range of {byteCount} bytes at file offset {fileOffset} extends past the end of '{Name}' at {_file.Size}.");
        }

        long page = fileOffset >> _cache.Pool.PageShift;
        int inPage = (int)(fileOffset & (PageSize - 1));
        int frame = _cache.Reads.AcquireValid(_file, null, page, inPage, byteCount, fileOffset, byteCount);
        if (frame < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fileOffset), fileOffset, $"The file '{Name}' was truncated below file offset {fileOffset}.");
        }

        return new PageLease(this, frame, fileOffset, byteCount);
    }

    /// <summary>
    /// Pins <paramref name="byteCount"/> bytes at <paramref name="fileOffset"/>, which must lie in one
    /// page, for zero-copy writing; the file is extended to cover the range. The span holds the
    /// range's current bytes; disposing the lease marks the range dirty. While the lease is held,
    /// readers and writers of the page wait.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or crosses a page boundary.</exception>
    /// <exception cref="NotSupportedException">The handle is read-only.</exception>
    /// <exception cref="BackingStoreException">The page's current bytes could not be read.</exception>
    /// <exception cref="PageCacheExhaustedException">No frame could be had.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public WritablePageLease PinForWrite(long fileOffset, int byteCount)
    {
        ValidateLeaseRange(fileOffset, byteCount);
        ThrowIfDisposed();
        ThrowIfReadOnly();
        int frame = _cache.Writes.AcquireForLease(_file, fileOffset, byteCount);
        _file.AddWriteLeases(1); // the file keeps its store until the lease is released (IdleFiles.TryDetach)
        return new WritablePageLease(this, frame, fileOffset, byteCount);
    }

    /// <summary>
    /// Pins <paramref name="byteCount"/> bytes at <paramref name="fileOffset"/>, within the file and
    /// in one or more pages, with a lease that may be kept in a field (<see cref="PageRangeLease"/>):
    /// the pages stay resident and unchanged until the lease is released or this handle is disposed.
    /// A hit takes no cache-wide lock.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or empty, extends past end of file, or covers more pages than leases may hold at once (a quarter of the pool).</exception>
    /// <exception cref="InvalidOperationException">The cache's leases already hold so many pages that this one would pass a quarter of the pool; release leases first.</exception>
    /// <exception cref="BackingStoreException">A page could not be read.</exception>
    /// <exception cref="PageCacheExhaustedException">No frame could be had.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public PageRangeLease PinRange(long fileOffset, int byteCount)
    {
        if (!TryPinRange(fileOffset, byteCount, out PageRangeLease? lease))
        {
            throw new InvalidOperationException($"Leases already hold {_cache.Holds.LeasedPages} pages of the {_cache.Holds.MaxLeasedPages} they may hold at once (a quarter of the pool); a lease of {byteCount} bytes at file offset {fileOffset} of '{Name}' would pass that. Release leases first.");
        }

        return lease;
    }

    /// <summary>
    /// Pins a range as <see cref="PinRange"/> does, but returns false, pinning nothing, when the
    /// cache's leases already hold so many pages that this one would pass a quarter of the pool.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or empty, extends past end of file, or covers more pages than leases may hold at once.</exception>
    /// <exception cref="BackingStoreException">A page could not be read.</exception>
    /// <exception cref="PageCacheExhaustedException">No frame could be had.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public bool TryPinRange(long fileOffset, int byteCount, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PageRangeLease? lease)
    {
        ValidateRangeLease(fileOffset, byteCount);
        var taken = new PageRangeLease(this);
        bool pinned = false;
        try
        {
            pinned = PageRangeLease.TryTake(this, taken, fileOffset, byteCount);
        }
        finally
        {
            if (!pinned)
            {
                taken.Dispose(); // holds nothing: leaves the handle's set of leases
            }
        }

        lease = pinned ? taken : null;
        return pinned;
    }

    /// <summary>
    /// Moves a lease taken through this handle to another range of the file without allocating:
    /// releases what it holds (if anything), then pins the new range as <see cref="PinRange"/> does.
    /// Returns false, leaving the lease released, when the cache's leases hold too many pages; if it
    /// throws, the lease is left released too.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="lease"/> is null.</exception>
    /// <exception cref="ArgumentException">The lease was taken through another handle, of this cache or another.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or empty, extends past end of file, or covers more pages than leases may hold at once.</exception>
    /// <exception cref="BackingStoreException">A page could not be read.</exception>
    /// <exception cref="PageCacheExhaustedException">No frame could be had.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public bool TryRepin(PageRangeLease lease, long fileOffset, int byteCount)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ValidateRangeLease(fileOffset, byteCount);
        return PageRangeLease.TryRepin(this, lease, fileOffset, byteCount);
    }

    /// <summary>
    /// Returns a seekable <see cref="Stream"/> over this handle, positioned at the start, for code
    /// written against <see cref="Stream"/>. Each call returns a new stream with its own position.
    /// </summary>
    /// <param name="leaveOpen">
    /// Whether the handle stays open when the stream is disposed. Default false: disposing the
    /// stream disposes the handle, as .NET's wrapping streams do with what they wrap.
    /// </param>
    /// <param name="bufferSize">
    /// The size of a buffer of the stream's own, in bytes, for code that reads and writes a few
    /// bytes at a time (<see cref="BinaryReader"/>, <see cref="BinaryWriter"/>): 0 or 1 (the
    /// default) for none, as <see cref="FileStream"/>'s bufferSize. With a buffer, written bytes
    /// reach the cache, and the file's other handles, when the buffer fills or the stream seeks,
    /// reads, flushes or is disposed (see <see cref="CachedFileStream"/>).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bufferSize"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The handle or the cache was disposed.</exception>
    public CachedFileStream AsStream(bool leaveOpen = false, int bufferSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bufferSize);
        ThrowIfDisposed();
        return new CachedFileStream(this, leaveOpen, bufferSize);
    }

    /// <summary>
    /// Releases the handle. The last handle to a file flushes it (unless
    /// <see cref="PageCacheOptions.FlushOnLastClose"/> is off) and, once its data is durable, closes
    /// its OS file; the clean pages of a file opened by path stay cached for a reopen until reclaim
    /// takes them. Idempotent.
    /// </summary>
    /// <exception cref="WritebackFailedException">The file's data could not be made durable; the cache keeps it and writes it again on the next open, flush or dispose of the cache.</exception>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _leases.ReleaseAll(); // a lease lives no longer than its handle (PageRangeLease)
            _cache.Lifecycle.ReleaseHandle(_file, CanWrite, _share, ref _errorCursor);
        }
    }

    /// <summary>Releases the handle; see <see cref="Dispose"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The data-integrity flush, then the error report: this flush's own failure, or else an error
    /// epoch this handle has not seen yet (from background writeback), each reported once (P3).
    /// </summary>
    private void FlushPages(long firstPage, long endPage) => ReportErrors(WriteAndSync(firstPage, endPage));

    /// <summary>
    /// Writes the range's dirty pages and syncs the file; returns the flush's own failure, which the
    /// file's error sequence has recorded too (so a flush whose caller stopped waiting loses nothing).
    /// </summary>
    private WritebackFailedException? WriteAndSync(long firstPage, long endPage)
    {
        _cache.ThrowIfWriterFailed();
        if (!CanWrite)
        {
            return null;
        }

        try
        {
            _accounting.AddBytesWrittenByFlush(_cache.Flusher.Flush(_file, firstPage, endPage));
            return null;
        }
        catch (WritebackFailedException e)
        {
            return e;
        }
    }

    /// <summary>
    /// Runs a whole-file <see cref="WriteAndSync"/> on a thread-pool thread (not started if
    /// <paramref name="cancellationToken"/> is already cancelled). Its failure is reported by the
    /// caller if it still waits, and through the file's error sequence in any case: a caller that
    /// stopped waiting (a timeout, a cancellation) hears of it at this handle's next flush (E10).
    /// </summary>
    private Task<WritebackFailedException?> StartFileFlush(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(
            static state =>
            {
                var file = (CachedFile)state!;
                file.ThrowIfDisposed();
                WritebackFailedException? own = file.WriteAndSync(0, long.MaxValue);
                if (own is not null && file._cache.Canaries.DropFailureOfFlushLeftRunning)
                {
                    // The canary: the flush reports its failure to its handle as it ends, as if its
                    // caller still waited; a caller that stopped waiting never hears of it.
                    using (LockOrder.Enter(file._file.Lock, LockRank.FileObject))
                    {
                        file._file.Errors.ConsumeLocked(ref file._errorCursor);
                    }
                }

                return own;
            },
            this,
            cancellationToken,
            TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default);

    /// <summary>Waits for a flush until <paramref name="cancellationToken"/> says to stop waiting, then reports its errors to this handle.</summary>
    private async Task FinishFlushAsync(Task<WritebackFailedException?> flush, CancellationToken cancellationToken)
    {
        // The canary awaits the flush itself: the token passed to StartFileFlush only kept it from starting.
        WritebackFailedException? own = _cache.Canaries.CancelFlushAsyncOnlyBeforeItStarts
            ? await flush.ConfigureAwait(false)
            : await flush.WaitAsync(cancellationToken).ConfigureAwait(false);
        ReportErrors(own);
    }

    /// <summary>
    /// Throws the flush's own failure, or else the first error epoch of the file this handle has not
    /// reported (P3: each handle hears of each epoch once).
    /// </summary>
    private void ReportErrors(WritebackFailedException? own)
    {
        WritebackFailedException? epoch;
        using (LockOrder.Enter(_file.Lock, LockRank.FileObject))
        {
            bool reportedBefore = !_file.Errors.HasUnreportedLocked;
            int cursorBefore = _errorCursor;
            epoch = _file.Errors.ConsumeLocked(ref _errorCursor);
            if (_cache.Canaries.ReportErrorTwice)
            {
                _errorCursor = cursorBefore; // the canary: the epoch is reported at every flush
            }

            if (reportedBefore && _cache.Canaries.ClearErrorAfterFirstReport)
            {
                epoch = null; // the canary: only the first handle hears of the epoch
            }
        }

        if (own is not null)
        {
            throw own;
        }

        if (epoch is not null)
        {
            throw epoch;
        }
    }

    /// <summary>True once the handle or the cache is disposed.</summary>
    internal bool IsClosed => Volatile.Read(ref _disposed) != 0 || _cache.IsDisposed;

    internal void ThrowIfDisposed()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _cache.ThrowIfDisposed();
    }

    private void ThrowIfReadOnly()
    {
        if (!CanWrite)
        {
            ThrowHelper.ThrowNotWritable(Name);
        }
    }

    private void ValidateLeaseRange(long fileOffset, int byteCount)
    {
        ThrowHelper.ValidateRange(fileOffset, byteCount);
        ArgumentOutOfRangeException.ThrowIfZero(byteCount);
        if ((fileOffset & (PageSize - 1)) + byteCount > PageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(byteCount), byteCount, $"The range of {byteCount} bytes at file offset {fileOffset} crosses a page boundary; a lease covers at most one page of {PageSize} bytes.");
        }
    }

    private void ValidateRangeLease(long fileOffset, int byteCount)
    {
        ThrowHelper.ValidateRange(fileOffset, byteCount);
        ArgumentOutOfRangeException.ThrowIfZero(byteCount);
        ThrowIfDisposed();
        if (fileOffset + byteCount > _file.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(byteCount), byteCount, $"The range of {byteCount} bytes at file offset {fileOffset} extends past the end of '{Name}' at {_file.Size}.");
        }
    }

    private (long FirstPage, long EndPage) PageSpan(long fileOffset, long byteCount)
    {
        int shift = _cache.Pool.PageShift;
        long end = fileOffset + byteCount;
        return (fileOffset >> shift, (end >> shift) + ((end & (PageSize - 1)) != 0 ? 1 : 0));
    }
}
