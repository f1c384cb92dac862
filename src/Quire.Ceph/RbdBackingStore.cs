// RbdBackingStore: an RBD image as a backing store. Reads and writes are librbd asynchronous
// vectored calls (RbdOperation); a reader waits for its own; a writer, with MaxWritesInFlight
// above one, waits only for a free slot and for in-flight writes that overlap its range, so a
// single page writer keeps several writes in flight. Writes past the end grow the image first
// (rbd_resize), as writes past a file's end grow the file.
//
// Invariants:
//  1. A write failure is never lost: the first failure of a write that returned before it
//     completed is kept and thrown by the next Flush, which then forgets it (the cache writes
//     every page since its last successful flush again when a flush fails).
//  2. Flush returns normally only after every write submitted before it completed successfully
//     and rbd_flush succeeded.
//  3. Two writes, or a read and a write, of overlapping ranges are never in flight together,
//     so the image holds the later write's bytes whatever order librbd completes them in.
//  4. SetLength runs with no write in flight, so no write can land past a cut.
//
// Locking: _lock (a monitor) guards the in-flight list, the failure and the length. librbd's
// completion callbacks take it (OnWriteCompleted), so it is never held across a librbd call that
// waits for operations in flight: rbd_resize, the one call made under it, runs only once no write
// is in flight. Waits on it are bounded (_waitTimeout). A write that grows the image therefore
// waits for the writes before it: appending writes are not overlapped.

using Quire.Ceph.Interop;

namespace Quire.Ceph;

/// <summary>
/// An RBD image as the backing store of a cached file: open it with
/// <see cref="CephCluster.OpenImage"/> and pass it to <see cref="PageCache.Open(IBackingStore, FileAccess)"/>.
/// </summary>
/// <remarks>
/// Errors carry the errno as <see cref="Exception.HResult"/>, as local files' do: a cluster that
/// does not answer within <see cref="CephConnectionOptions.OperationTimeout"/> gives an
/// <see cref="IOException"/> with ETIMEDOUT, which the cache treats as an I/O error: the data stays
/// dirty and is written when the cluster is back.
/// </remarks>
public sealed class RbdBackingStore : IBackingStore
{
    private readonly RbdImageHandle _image; // (I)
    private readonly int _maxWritesInFlight; // (I)
    private readonly TimeSpan _waitTimeout; // (I)
    private readonly object _lock = new();
    private readonly List<RbdOperationRange> _inFlight = []; // (_lock) writes and reads in flight
    private Exception? _writeFailure; // (_lock) see invariant 1
    private long _length; // (_lock) the image's size; only this store changes it while it holds the lock
    private int _disposed; // (A)

    internal RbdBackingStore(RbdImageHandle image, string name, bool canWrite, RbdImageOptions options)
    {
        _image = image;
        Name = name;
        CanWrite = canWrite;
        _maxWritesInFlight = options.MaxWritesInFlight;

        // librbd fails an operation after the operation timeout; waiting twice that plus a margin
        // for an answer that never comes means a bug or a wedged library, reported, not waited out.
        _waitTimeout = TimeSpan.FromSeconds(60);
        _length = ReadSize();
        if (canWrite)
        {
            AcquireExclusiveLock();
        }
    }

    /// <summary>The image, as rbd:POOL/IMAGE.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public bool CanWrite { get; }

    /// <inheritdoc/>
    public long GetLength()
    {
        ThrowIfDisposed();
        if (!CanWrite)
        {
            return ReadSize(); // a writer elsewhere may change it
        }

        lock (_lock)
        {
            return _length;
        }
    }

    /// <inheritdoc/>
    public void SetLength(long byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        ThrowIfDisposed();
        ThrowIfReadOnly();
        lock (_lock)
        {
            WaitLocked(() => _inFlight.Count == 0, "set the length of");
            Resize(byteCount);
        }
    }

    /// <inheritdoc/>
    public int Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset) =>
        ReadAsync(buffers, fileOffset, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public async ValueTask<int> ReadAsync(IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfNegative(fileOffset);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        long requested = 0;
        foreach (Memory<byte> buffer in buffers)
        {
            requested += buffer.Length;
        }

        long length = GetLength();
        long byteCount = Math.Max(0, Math.Min(requested, length - fileOffset));
        if (byteCount == 0)
        {
            return 0;
        }

        var range = new RbdOperationRange(fileOffset, byteCount, IsWrite: false);
        lock (_lock)
        {
            WaitLocked(() => !OverlapsWriteLocked(range), "read");
            _inFlight.Add(range);
        }

        long result;
        try
        {
            RbdOperation operation = RbdOperation.ForRead(buffers, byteCount); // pins the buffers until librbd completes it
            operation.Submit(_image, fileOffset, RbdOperationKind.Read);
            result = await operation.Task.WaitAsync(_waitTimeout, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _inFlight.Remove(range);
                Monitor.PulseAll(_lock);
            }
        }

        return (int)CephErrors.ThrowIfFailed(result, $"read {byteCount} bytes at offset {fileOffset} of", Name);
    }

    /// <inheritdoc/>
    public void Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfNegative(fileOffset);
        ThrowIfDisposed();
        ThrowIfReadOnly();
        long byteCount = 0;
        foreach (ReadOnlyMemory<byte> buffer in buffers)
        {
            byteCount += buffer.Length;
        }

        if (byteCount == 0)
        {
            return;
        }

        var range = new RbdOperationRange(fileOffset, byteCount, IsWrite: true);
        bool waitForIt = _maxWritesInFlight == 1;
        lock (_lock)
        {
            WaitLocked(() => _inFlight.Count(r => r.IsWrite) < _maxWritesInFlight && !OverlapsLocked(range), "write");
            if (fileOffset + byteCount > _length)
            {
                // rbd_resize waits for the writes in flight, whose completions take this lock.
                WaitLocked(() => !_inFlight.Exists(r => r.IsWrite), "grow");
                Resize(fileOffset + byteCount);
            }

            _inFlight.Add(range);
        }

        // Made only once the write is sure to be submitted: it owns native memory until librbd completes it.
        RbdOperation operation = RbdOperation.ForWrite(buffers, byteCount, waitForIt ? null : result => OnWriteCompleted(range, result));
        operation.Submit(_image, fileOffset, RbdOperationKind.Write);
        if (!waitForIt)
        {
            return;
        }

        long written;
        try
        {
            if (!operation.Task.Wait(_waitTimeout))
            {
                throw new IOException($"Ceph: the write of {byteCount} bytes at offset {fileOffset} of '{Name}' got no answer in {_waitTimeout.TotalSeconds:0} s.", CephErrors.ETIMEDOUT);
            }

            written = operation.Task.Result;
        }
        finally
        {
            lock (_lock)
            {
                _inFlight.Remove(range);
                Monitor.PulseAll(_lock);
            }
        }

        CephErrors.ThrowIfFailed(written, $"write {byteCount} bytes at offset {fileOffset} of", Name);
    }

    /// <summary>Waits for every write in flight, then makes the image durable (rbd_flush); throws the first failure of a write since the last flush.</summary>
    public void Flush()
    {
        ThrowIfDisposed();
        ThrowIfReadOnly();
        Exception? failure;
        lock (_lock)
        {
            WaitLocked(() => !_inFlight.Exists(r => r.IsWrite), "flush");
            failure = _writeFailure;
            _writeFailure = null;
        }

        RbdOperation flush = RbdOperation.ForFlush();
        flush.Submit(_image, 0, RbdOperationKind.Flush);
        if (!flush.Task.Wait(_waitTimeout))
        {
            throw new IOException($"Ceph: the flush of '{Name}' got no answer in {_waitTimeout.TotalSeconds:0} s.", CephErrors.ETIMEDOUT);
        }

        CephErrors.ThrowIfFailed(flush.Task.Result, "flush", Name);
        if (failure is not null)
        {
            throw failure;
        }
    }

    /// <summary>Waits (bounded) for writes in flight, then closes the image, which releases its exclusive lock.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            lock (_lock)
            {
                WaitLocked(() => _inFlight.Count == 0, "close");
            }
        }
        catch (IOException)
        {
            // Writes the cluster never answered: their operations own their memory and complete on
            // their own; the image handle stays open until they do (SafeHandle references).
        }

        _image.Dispose();
    }

    private void OnWriteCompleted(RbdOperationRange range, long result)
    {
        lock (_lock)
        {
            if (result < 0)
            {
                _writeFailure ??= CephErrors.ToException((int)result, $"write {range.ByteCount} bytes at offset {range.FileOffset} of", Name);
            }

            _inFlight.Remove(range);
            Monitor.PulseAll(_lock);
        }
    }

    private bool OverlapsLocked(RbdOperationRange range) => _inFlight.Exists(range.Overlaps);

    private bool OverlapsWriteLocked(RbdOperationRange range) => _inFlight.Exists(r => r.IsWrite && range.Overlaps(r));

    private void WaitLocked(Func<bool> condition, string operation)
    {
        long start = Environment.TickCount64;
        while (!condition())
        {
            long remaining = (long)_waitTimeout.TotalMilliseconds - (Environment.TickCount64 - start);
            if (remaining <= 0)
            {
                throw new IOException($"Ceph: could not {operation} '{Name}': {_inFlight.Count} operations in flight got no answer in {_waitTimeout.TotalSeconds:0} s.", CephErrors.ETIMEDOUT);
            }

            Monitor.Wait(_lock, TimeSpan.FromMilliseconds(remaining));
        }
    }

    /// <summary>
    /// rbd_resize, which librbd offers only as a blocking call: it runs on a pool thread and is
    /// waited for with the bound, so a cluster that stops answering gives an error, not a hang
    /// (the call itself ends when librbd gives up). The caller holds _lock.
    /// </summary>
    private void Resize(long byteCount)
    {
        Task<int> resize = Task.Run(() =>
        {
            bool added = false;
            try
            {
                _image.DangerousAddRef(ref added);
                return Librbd.Resize(_image.DangerousGetHandle(), (ulong)byteCount);
            }
            finally
            {
                if (added)
                {
                    _image.DangerousRelease();
                }
            }
        });
        if (!resize.Wait(_waitTimeout))
        {
            throw new IOException($"Ceph: resizing '{Name}' to {byteCount} bytes got no answer in {_waitTimeout.TotalSeconds:0} s.", CephErrors.ETIMEDOUT);
        }

        CephErrors.ThrowIfFailed(resize.Result, $"resize to {byteCount} bytes", Name);
        _length = byteCount;
    }

    private long ReadSize()
    {
        bool added = false;
        try
        {
            _image.DangerousAddRef(ref added);
            CephErrors.ThrowIfFailed(Librbd.GetSize(_image.DangerousGetHandle(), out ulong size), "get the size of", Name);
            return (long)size;
        }
        finally
        {
            if (added)
            {
                _image.DangerousRelease();
            }
        }
    }

    private void AcquireExclusiveLock()
    {
        IntPtr image = _image.DangerousGetHandle();
        CephErrors.ThrowIfFailed(Librbd.GetFeatures(image, out ulong features), "read the features of", Name);
        if ((features & Librbd.FeatureExclusiveLock) == 0)
        {
            throw new IOException($"Ceph: '{Name}' cannot be opened for writing: it lacks the exclusive-lock feature that keeps a second writer out (enable it with 'rbd feature enable POOL/IMAGE exclusive-lock').", CephErrors.EINVAL);
        }

        int result = Librbd.AcquireLock(image, Librbd.LockModeExclusive);
        if (result < 0)
        {
            int errno = -result;
            string why = errno is CephErrors.EBUSY or CephErrors.EROFS
                ? "another client has it open for writing (it holds the image's exclusive lock)"
                : $"taking its exclusive lock failed with errno {errno}";
            throw new IOException($"Ceph: '{Name}' cannot be opened for writing: {why}.", CephErrors.EBUSY);
        }

        CephErrors.ThrowIfFailed(Librbd.IsExclusiveLockOwner(image, out int isOwner), "check the exclusive lock of", Name);
        if (isOwner == 0)
        {
            throw new IOException($"Ceph: '{Name}' cannot be opened for writing: its exclusive lock was taken but is not held.", CephErrors.EBUSY);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void ThrowIfReadOnly()
    {
        if (!CanWrite)
        {
            throw new NotSupportedException($"'{Name}' was opened read-only.");
        }
    }
}
