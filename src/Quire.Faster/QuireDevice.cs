// QuireDevice: a FASTER IDevice whose log segments are files read and written through a Quire
// PageCache, one CachedFile per segment, named as FASTER's own devices name them
// ("<fileName>.<segmentId>"). It owns the map of open segments, the completion of FASTER's
// callbacks and the count of I/O in flight; the bytes, their caching and their durability belong
// to the cache.
//
// How each call completes:
// 1. Read, hit: every page is cached, so CachedFile.TryRead copies the bytes into FASTER's buffer
//    and the callback runs inline, on FASTER's thread, with no allocation and no task.
// 2. Read, miss: CachedFile.ReadAsync into the buffer; the callback runs where the read completes.
// 3. Write: CachedFile.WriteAsync copies the bytes into the cache on FASTER's thread and awaits a
//    throttle pause without holding it; with DurableWrites the segment's group commit
//    (SegmentFile.FlushAsync, on the thread pool) then makes them durable, and only then does the
//    callback run. FASTER's epoch threads never wait on the device.
// 4. Remove: the segment's name is deleted through the cache (PageCache.Delete), then its handle
//    closed: its pages, dirty ones included, are dropped unwritten.
// A failure of an issued I/O reaches FASTER as the callback's error code, never as an exception on
// a thread nobody waits on; bad arguments throw on FASTER's call.
//
// Locking: _openLock serialises opening a segment, so each has one handle; never held across I/O
// other than the open itself. _segments is a concurrent map read without it. Counters are atomic.
// Invariants: a segment's SegmentFile is in _segments from its first I/O until it is removed or
// the device disposed; FASTER's epochs guarantee no I/O of a segment is issued after its removal.

using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using FASTER.core;

namespace Quire.Faster;

/// <summary>
/// A FASTER <see cref="IDevice"/> over a Quire <see cref="PageCache"/>: FASTER's hybrid log, read
/// cache or object log is stored in segment files read and written through the cache, so the
/// records FASTER evicts from its memory are served from Quire's pool, with no I/O and no task,
/// while they stay in it.
/// </summary>
/// <remarks>
/// <para>
/// Give it to FASTER as <c>LogSettings.LogDevice</c>. Segment files are named
/// <c>fileName.0</c>, <c>fileName.1</c>, ... as by <c>Devices.CreateLogDevice</c>, so a log written
/// through either device opens through the other.
/// </para>
/// <para>
/// Durability: with <see cref="QuireDeviceOptions.DurableWrites"/> (the default) a write completes
/// only once it is durable, which is what FASTER's checkpoints and commits rely on. Reads and
/// writes are sector-aligned, as FASTER issues them; anything else is refused.
/// </para>
/// <para>
/// The cache is not owned: dispose the FASTER store, then the device, then the cache. All members
/// are thread-safe.
/// </para>
/// </remarks>
public sealed class QuireDevice : StorageDeviceBase
{
    private readonly PageCache _cache; // (I) not owned
    private readonly QuireDeviceOptions _options; // (I)
    private readonly ConcurrentDictionary<int, SegmentFile> _segments = new(); // its own locking; opened under _openLock
    private readonly Lock _openLock = new();
    private int _pendingCount; // (A) reads and writes issued and not yet completed
    private int _disposed; // (A)
    private Exception? _removeFailure; // (A) the first failure of a RemoveSegmentAsync, thrown by Dispose

    /// <summary>
    /// Creates a device whose segments are the files <c><paramref name="fileName"/>.N</c>, read and
    /// written through <paramref name="cache"/>. Creates the directory if it is missing; opens no
    /// file until FASTER reads or writes a segment.
    /// </summary>
    /// <param name="cache">The cache to read and write through; not owned.</param>
    /// <param name="fileName">The path of the log, without the segment suffix.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/> or <paramref name="fileName"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="fileName"/> is empty or names a directory.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (see <see cref="QuireDeviceOptions"/>).</exception>
    public QuireDevice(PageCache cache, string fileName, QuireDeviceOptions? options = null)
        : base(FullLogPath(cache, fileName), (options ?? new QuireDeviceOptions()).SectorSizeBytes, (options ?? new QuireDeviceOptions()).CapacityBytes)
    {
        _cache = cache;
        _options = options ?? new QuireDeviceOptions();
        _options.Validate(cache.PageSize);
        Directory.CreateDirectory(Path.GetDirectoryName(FileName)!);
    }

    /// <summary>The reads and writes issued and not yet completed.</summary>
    public int PendingCount => Volatile.Read(ref _pendingCount);

    /// <summary>The path of segment <paramref name="segmentId"/>'s file, as FASTER's own devices name it.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="segmentId"/> is negative.</exception>
    public string GetSegmentPath(int segmentId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(segmentId);
        return GetSegmentFilename(FileName, segmentId);
    }

    /// <summary>
    /// Reads <paramref name="readLength"/> bytes at <paramref name="sourceAddress"/> of a segment into
    /// FASTER's buffer and calls <paramref name="callback"/> with the bytes read (fewer past the
    /// segment file's end, the rest of the buffer zeroed). A hit calls back inline without
    /// allocating; a miss reads asynchronously, holding no thread while the store reads.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The segment is negative, or the offset or length is not a multiple of <see cref="StorageDeviceBase.SectorSize"/>, or the range passes the segment's end.</exception>
    /// <exception cref="ArgumentNullException">The buffer is null or the callback is null.</exception>
    /// <exception cref="ObjectDisposedException">The device or its cache was disposed.</exception>
    public override void ReadAsync(int segmentId, ulong sourceAddress, IntPtr destinationAddress, uint readLength, DeviceIOCompletionCallback callback, object context)
    {
        ValidateIO(segmentId, sourceAddress, destinationAddress, readLength, callback);
        if (!TryOpenSegment(segmentId, callback, context, out SegmentFile? segment))
        {
            return;
        }

        CachedFile file = segment.File;
        long fileOffset = (long)sourceAddress;
        int byteCount = (int)readLength;
        bool hit;
        int bytesRead;
        try
        {
            Span<byte> buffer = NativeBuffer.AsSpan(destinationAddress, byteCount);
            hit = file.TryRead(fileOffset, buffer, out bytesRead);
            if (hit)
            {
                buffer[bytesRead..].Clear();
            }
        }
        catch (ObjectDisposedException)
        {
            callback(ErrorCode(null), 0, context);
            return;
        }

        if (hit)
        {
            callback(0, (uint)bytesRead, context);
            return;
        }

        Interlocked.Increment(ref _pendingCount);
        _ = ReadMissAsync(file, fileOffset, new NativeBuffer(destinationAddress, byteCount), callback, context);
    }

    /// <summary>
    /// Writes <paramref name="numBytesToWrite"/> bytes from FASTER's buffer at
    /// <paramref name="destinationAddress"/> of a segment and calls <paramref name="callback"/> when
    /// they are durable (in the cache, without <see cref="QuireDeviceOptions.DurableWrites"/>). The
    /// bytes are copied on the calling thread; a throttle pause and the flush never hold it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The segment is negative, or the offset or length is not a multiple of <see cref="StorageDeviceBase.SectorSize"/>, or the range passes the segment's end.</exception>
    /// <exception cref="ArgumentNullException">The buffer is null or the callback is null.</exception>
    /// <exception cref="ObjectDisposedException">The device or its cache was disposed.</exception>
    public override void WriteAsync(IntPtr sourceAddress, int segmentId, ulong destinationAddress, uint numBytesToWrite, DeviceIOCompletionCallback callback, object context)
    {
        ValidateIO(segmentId, destinationAddress, sourceAddress, numBytesToWrite, callback);
        HandleCapacity(segmentId);
        if (!TryOpenSegment(segmentId, callback, context, out SegmentFile? segment))
        {
            return;
        }

        Interlocked.Increment(ref _pendingCount);
        ValueTask write;
        try
        {
            write = segment.File.WriteAsync((long)destinationAddress, new NativeBuffer(sourceAddress, (int)numBytesToWrite).Memory);
        }
        catch (Exception e) when (IsIOFailure(e))
        {
            Interlocked.Decrement(ref _pendingCount);
            callback(ErrorCode(e), 0, context);
            return;
        }

        if (write.IsCompletedSuccessfully && !_options.DurableWrites)
        {
            Interlocked.Decrement(ref _pendingCount);
            callback(0, numBytesToWrite, context);
            return;
        }

        _ = CompleteWriteAsync(segment, write, numBytesToWrite, callback, context);
    }

    /// <summary>
    /// Removes a segment: deletes its file through the cache, durably (its directory is synced), and
    /// closes its handle, dropping its cached pages unwritten, dirty ones included.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="segment"/> is negative.</exception>
    /// <exception cref="IOException">The OS refused the delete, or the sync of the directory failed.</exception>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public override void RemoveSegment(int segment)
    {
        string path = GetSegmentPath(segment);
        _cache.Delete(path);
        if (_segments.TryRemove(segment, out SegmentFile? removed))
        {
            removed.File.Dispose();
        }
    }

    /// <summary>
    /// Removes a segment as <see cref="RemoveSegment"/> does, on a thread-pool thread (a delete
    /// syncs a directory, and FASTER calls this from its epoch threads), then calls
    /// <paramref name="callback"/>. FASTER's callback has no error: a failure is kept and thrown by
    /// <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="segment"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    public override void RemoveSegmentAsync(int segment, AsyncCallback callback, IAsyncResult result)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(segment);
        ArgumentNullException.ThrowIfNull(callback);
        ThreadPool.UnsafeQueueUserWorkItem(
            state =>
            {
                try
                {
                    RemoveSegment(state.Segment);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
                {
                    Interlocked.CompareExchange(ref _removeFailure, e, null);
                }

                state.Callback(state.Result);
            },
            (Segment: segment, Callback: callback, Result: result),
            preferLocal: false);
    }

    /// <summary>The segment's file size as the cache sees it (unflushed writes included), or the segment size when FASTER set one.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="segment"/> is negative.</exception>
    public override long GetFileSize(int segment)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(segment);
        return segmentSize > 0 ? segmentSize : Segment(segment).File.Length;
    }

    /// <summary>Whether FASTER should hold back new I/O: more than <see cref="StorageDeviceBase.ThrottleLimit"/> reads and writes are in flight.</summary>
    public override bool Throttle() => Volatile.Read(ref _pendingCount) > ThrottleLimit;

    /// <summary>
    /// Closes every segment's handle: the last handle of a file flushes it, unless the cache's
    /// <see cref="PageCacheOptions.FlushOnLastClose"/> is off; with
    /// <see cref="QuireDeviceOptions.DeleteOnClose"/> the files are deleted first and nothing is
    /// written. Idempotent. Dispose the FASTER store first: I/O still in flight fails.
    /// </summary>
    /// <exception cref="WritebackFailedException">A segment's data could not be made durable as its handle closed.</exception>
    /// <exception cref="IOException">A segment removal that ran in the background failed (the original is the inner exception).</exception>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var errors = new List<Exception>();
        foreach (int segmentId in _segments.Keys)
        {
            if (!_segments.TryRemove(segmentId, out SegmentFile? segment))
            {
                continue;
            }

            try
            {
                if (_options.DeleteOnClose)
                {
                    _cache.Delete(GetSegmentPath(segmentId));
                }

                segment.File.Dispose();
            }
            catch (IOException e)
            {
                errors.Add(e);
            }
        }

        Exception? removeFailure = Interlocked.Exchange(ref _removeFailure, null);
        if (removeFailure is not null)
        {
            errors.Add(new IOException($"Removing a segment of '{FileName}' in the background failed: {removeFailure.Message}", removeFailure));
        }

        if (errors.Count == 1)
        {
            throw errors[0];
        }

        if (errors.Count > 1)
        {
            throw new AggregateException($"Closing the segments of '{FileName}' failed {errors.Count} times.", errors);
        }
    }

    private static string FullLogPath(PageCache cache, string fileName)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        if (fileName.EndsWith(Path.DirectorySeparatorChar) || Directory.Exists(fileName))
        {
            throw new ArgumentException($"'{nameof(fileName)}' must name the log file, not a directory, but it is '{fileName}'.", nameof(fileName));
        }

        return Path.GetFullPath(fileName);
    }

    private void ValidateIO(int segmentId, ulong fileOffset, IntPtr buffer, uint byteCount, DeviceIOCompletionCallback callback)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(segmentId);
        ArgumentNullException.ThrowIfNull(callback);
        if (buffer == IntPtr.Zero)
        {
            throw new ArgumentNullException(nameof(buffer), "The native buffer of a read or write must not be null.");
        }

        if (fileOffset % SectorSize != 0 || byteCount % SectorSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fileOffset), fileOffset, $"A read or write of segment {segmentId} must start and end on the sector size {SectorSize}, but it is {byteCount} bytes at offset {fileOffset}.");
        }

        if (byteCount > int.MaxValue || fileOffset > (ulong)(long.MaxValue - byteCount) || (segmentSize > 0 && fileOffset + byteCount > (ulong)segmentSize))
        {
            throw new ArgumentOutOfRangeException(nameof(byteCount), byteCount, $"A read or write of {byteCount} bytes at offset {fileOffset} of segment {segmentId} passes the segment's end ({segmentSize} bytes; -1: unbounded) or the largest span.");
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
    }

    /// <summary>The segment's file, opened through the cache at its first I/O.</summary>
    private SegmentFile Segment(int segmentId)
    {
        if (_segments.TryGetValue(segmentId, out SegmentFile? segment))
        {
            return segment;
        }

        lock (_openLock)
        {
            if (_segments.TryGetValue(segmentId, out segment))
            {
                return segment;
            }

            CachedFile file = _cache.Open(GetSegmentPath(segmentId), FileMode.OpenOrCreate, FileAccess.ReadWrite);
            if (!_options.ReadAhead)
            {
                file.Advise(0, 0, FileAdvice.Random);
            }

            segment = new SegmentFile(file);
            _segments[segmentId] = segment;
            return segment;
        }
    }

    /// <summary>
    /// The segment's file for an I/O FASTER issued; when it cannot be opened (the OS refused, the
    /// cache is disposed), FASTER hears of it through the callback's error code, as from a failed
    /// read or write, and this returns false.
    /// </summary>
    private bool TryOpenSegment(int segmentId, DeviceIOCompletionCallback callback, object context, [NotNullWhen(true)] out SegmentFile? segment)
    {
        try
        {
            segment = Segment(segmentId);
            return true;
        }
        catch (Exception e) when (IsIOFailure(e) || e is UnauthorizedAccessException)
        {
            segment = null;
            callback(ErrorCode(e), 0, context);
            return false;
        }
    }

    private async Task ReadMissAsync(CachedFile file, long fileOffset, NativeBuffer buffer, DeviceIOCompletionCallback callback, object context)
    {
        uint errorCode = 0;
        int bytesRead = 0;
        try
        {
            bytesRead = await file.ReadAsync(fileOffset, buffer.Memory).ConfigureAwait(false);
            buffer.GetSpan()[bytesRead..].Clear();
        }
        catch (Exception e) when (IsIOFailure(e))
        {
            errorCode = ErrorCode(e);
            bytesRead = 0;
        }

        Interlocked.Decrement(ref _pendingCount);
        callback(errorCode, (uint)bytesRead, context);
    }

    private async Task CompleteWriteAsync(SegmentFile segment, ValueTask write, uint byteCount, DeviceIOCompletionCallback callback, object context)
    {
        uint errorCode = 0;
        try
        {
            await write.ConfigureAwait(false);
            if (_options.DurableWrites)
            {
                await segment.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (IsIOFailure(e))
        {
            errorCode = ErrorCode(e);
        }

        Interlocked.Decrement(ref _pendingCount);
        callback(errorCode, errorCode == 0 ? byteCount : 0, context);
    }

    /// <summary>
    /// The failures of an issued read or write that FASTER hears of through its callback's error
    /// code: the store's and the cache's I/O errors, a page held too long, the device or the cache
    /// closed under it, and a broken cache invariant (which latches the cache as failed).
    /// </summary>
    private static bool IsIOFailure(Exception e) =>
        e is IOException or TimeoutException or ObjectDisposedException or PageCacheInvariantException;

    /// <summary>
    /// The error code FASTER's callbacks take, as its own devices compute it: the low 16 bits of an
    /// I/O error's HResult when it has one, else uint.MaxValue.
    /// </summary>
    private static uint ErrorCode(Exception? e)
    {
        uint code = e is IOException { HResult: not 0 } io ? (uint)(io.HResult & 0xFFFF) : 0;
        return code != 0 ? code : uint.MaxValue;
    }
}
