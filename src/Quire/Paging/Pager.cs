// Pager: moves pages between frames and the backing store (DragonFly's vnode pager): reads a
// cluster of consecutive pages with one vectored read, clipped at end of file with the rest
// zero-filled, and writes a run of sector-aligned segments with one vectored write.
//
// Locking: holds no lock. Callers hold the frames: Exclusive for reads into them, the
// Writeback bit for writes from them.
// Invariants: bytes of a frame at or past the file's readable end are zero after a read.

using Quire.Files;
using Quire.Frames;
using Quire.Internal;
using Quire.Metrics;

namespace Quire.Paging;

internal sealed class Pager
{
    private readonly FramePool _pool; // (I)
    private readonly CacheCounters _counters; // (I)
    private readonly WritebackCounts _counts; // (I)
    private readonly Verify _verify; // (I)
    private readonly Canaries _canaries; // (I) the planted bugs, none outside the canary tests

    public Pager(FramePool pool, CacheCounters counters, WritebackCounts counts, Verify verify, Canaries canaries)
    {
        _pool = pool;
        _counters = counters;
        _counts = counts;
        _verify = verify;
        _canaries = canaries;
    }

    /// <summary>The canary <see cref="Canaries.ReportReadErrorAsWriteError"/>: a read failure starts an error epoch.</summary>
    private void RecordReadFailureIfPlanted(FileObject file, long fileOffset, int pageCount, Exception error)
    {
        if (_canaries.ReportReadErrorAsWriteError)
        {
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                file.RecordFailureLocked(error, new ByteRange(fileOffset, (long)pageCount << _pool.PageShift), 0, 0);
            }
        }
    }

    /// <summary>
    /// Throws the <see cref="BackingStoreException"/> for a read of <paramref name="pagesToRead"/>
    /// pages that failed with <paramref name="error"/>. The canary <see cref="Canaries.ZeroFailedReadAhead"/>
    /// instead rereads the cluster's first page alone and returns its byte count, so the caller
    /// zero-fills the rest of the cluster and caches it as valid, as if the store had ended there;
    /// the canary <see cref="Canaries.ReadErrorAsEndOfFile"/> returns 0, so all of it reads as zeros.
    /// </summary>
    private int ReadFirstPageIfPlanted(FileObject file, Memory<byte> firstPage, long fileOffset, int pagesToRead, Exception error)
    {
        if (_canaries.ReadErrorAsEndOfFile)
        {
            return 0;
        }

        if (!_canaries.ZeroFailedReadAhead || pagesToRead < 2)
        {
            throw new BackingStoreException("read", file.Name, fileOffset, (long)pagesToRead << _pool.PageShift, error);
        }

        try
        {
            return file.Store.Read([firstPage], fileOffset);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _counters.ReadFailures.Increment();
            throw new BackingStoreException("read", file.Name, fileOffset, _pool.PageSize, e);
        }
    }

    /// <summary>
    /// Reads pages [firstPage, firstPage + frames.Length) into <paramref name="frames"/>, zero-filling
    /// everything at or past <paramref name="readableEnd"/>. Throws <see cref="BackingStoreException"/>.
    /// </summary>
    public void Read(FileObject file, ReadOnlySpan<int> frames, long firstPage, long readableEnd)
    {
        ObjectDisposedException.ThrowIf(_pool.IsDisposed, typeof(PageCache));
        long fileOffset = firstPage << _pool.PageShift;
        int pagesToRead = PagesWithData(frames.Length, fileOffset, readableEnd);
        int bytesRead = 0;
        if (pagesToRead > 0)
        {
            Memory<byte>[] buffers = BuffersOf(frames[..pagesToRead]);
            long started = _counters.IOStarted();
            _counts.AddForegroundIos(1);
            try
            {
                bytesRead = file.Store.Read(buffers, fileOffset);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _counters.ReadFailures.Increment();
                RecordReadFailureIfPlanted(file, fileOffset, pagesToRead, e);
                bytesRead = ReadFirstPageIfPlanted(file, buffers[0], fileOffset, pagesToRead, e);
            }
            finally
            {
                _counts.AddForegroundIos(-1);
            }

            _counters.ReadIos.Increment();
            _counters.PagesRead.Add(pagesToRead);
            _counters.RecordRead((long)pagesToRead << _pool.PageShift, started);
        }

        ZeroPastReadableEnd(frames, fileOffset, bytesRead, readableEnd);
    }

    /// <summary>Reads asynchronously; the same contract as <see cref="Read"/>.</summary>
    public async ValueTask ReadAsync(FileObject file, int[] frames, int frameCount, long firstPage, long readableEnd, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_pool.IsDisposed, typeof(PageCache));
        long fileOffset = firstPage << _pool.PageShift;
        int pagesToRead = PagesWithData(frameCount, fileOffset, readableEnd);
        int bytesRead = 0;
        if (pagesToRead > 0)
        {
            Memory<byte>[] buffers = BuffersOf(frames.AsSpan(0, pagesToRead));
            long started = _counters.IOStarted();
            _counts.AddForegroundIos(1);
            try
            {
                bytesRead = await file.Store.ReadAsync(buffers, fileOffset, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _counters.ReadFailures.Increment();
                RecordReadFailureIfPlanted(file, fileOffset, pagesToRead, e);
                bytesRead = ReadFirstPageIfPlanted(file, buffers[0], fileOffset, pagesToRead, e);
            }
            finally
            {
                _counts.AddForegroundIos(-1);
            }

            _counters.ReadIos.Increment();
            _counters.PagesRead.Add(pagesToRead);
            _counters.RecordRead((long)pagesToRead << _pool.PageShift, started);
        }

        ZeroPastReadableEnd(frames.AsSpan(0, frameCount), fileOffset, bytesRead, readableEnd);
    }

    /// <summary>
    /// Writes <paramref name="segments"/>, consecutive in the file from <paramref name="fileOffset"/>,
    /// with one vectored write. Throws the store's exception unchanged; the caller re-dirties.
    /// </summary>
    public void Write(FileObject file, IReadOnlyList<ReadOnlyMemory<byte>> segments, long fileOffset, long byteCount)
    {
        _verify.ThrowIfLatched();
        ObjectDisposedException.ThrowIf(_pool.IsDisposed, typeof(PageCache));
        _verify.That(fileOffset + byteCount <= file.Size, $"A write of '{file.Name}' at [{fileOffset}, {fileOffset + byteCount}) stays within its size of {file.Size} bytes, or it would resurrect truncated data.");
        long started = _counters.IOStarted();
        file.MarkStoreChanged();
        try
        {
            file.Store.Write(segments, fileOffset);
        }
        catch (Exception e)
        {
            _counters.WriteFailures.Increment();
            _counters.Log.WriteFailed(file.Name, fileOffset, byteCount, e);

            // A failed write may have stored part of its bytes (a short pwrite, then an error) and
            // so lengthened the store: count its end in the store's length, so a later truncate to
            // below it still cuts the store (and leaves the cut pending if that fails).
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                file.StoreLength = Math.Max(file.StoreLength, fileOffset + byteCount);
            }

            throw;
        }

        _counters.WriteIos.Increment();
        _counters.BytesWritten.Add(byteCount);
        _counters.RecordWrite(byteCount, started);
    }

    /// <summary>
    /// Checks a write about to be submitted without waiting for it (an io_uring write of frames
    /// already in place) as <see cref="Write"/> checks its own; returns its start time for
    /// <see cref="RecordSubmittedWrite"/>.
    /// </summary>
    public long BeginSubmittedWrite(FileObject file, long fileOffset, long byteCount)
    {
        _verify.ThrowIfLatched();
        ObjectDisposedException.ThrowIf(_pool.IsDisposed, typeof(PageCache));
        _verify.That(fileOffset + byteCount <= file.Size, $"A write of '{file.Name}' at [{fileOffset}, {fileOffset + byteCount}) stays within its size of {file.Size} bytes, or it would resurrect truncated data.");
        file.MarkStoreChanged();
        return _counters.IOStarted();
    }

    /// <summary>Counts a submitted write that completed in full, as <see cref="Write"/> counts its own.</summary>
    public void RecordSubmittedWrite(long byteCount, long started)
    {
        _counters.WriteIos.Increment();
        _counters.BytesWritten.Add(byteCount);
        _counters.RecordWrite(byteCount, started);
    }

    private Memory<byte>[] BuffersOf(ReadOnlySpan<int> frames)
    {
        var buffers = new Memory<byte>[frames.Length];
        for (int i = 0; i < frames.Length; i++)
        {
            buffers[i] = _pool.Memory(frames[i]);
        }

        return buffers;
    }

    private int PagesWithData(int frameCount, long fileOffset, long readableEnd)
    {
        long bytes = Math.Clamp(readableEnd - fileOffset, 0, (long)frameCount << _pool.PageShift);
        return (int)((bytes + _pool.PageSize - 1) >> _pool.PageShift);
    }

    private void ZeroPastReadableEnd(ReadOnlySpan<int> frames, long fileOffset, int bytesRead, long readableEnd)
    {
        // The canary SkipShortReadZeroFill trusts the store to fill up to the cache's size, so the
        // tail of a short read keeps whatever the frame held before.
        long validEnd = _canaries.SkipShortReadZeroFill ? readableEnd : Math.Min(fileOffset + bytesRead, readableEnd);
        for (int i = 0; i < frames.Length; i++)
        {
            long pageStart = fileOffset + ((long)i << _pool.PageShift);
            int validInPage = (int)Math.Clamp(validEnd - pageStart, 0, _pool.PageSize);
            if (validInPage < _pool.PageSize)
            {
                _pool.Bytes(frames[i])[validInPage..].Clear();
            }
        }
    }
}
