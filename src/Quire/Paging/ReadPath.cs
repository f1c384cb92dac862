// ReadPath: reads at any offset: hits copy from frames under a shared hold; misses read a whole
// cluster of missing pages (the rest of the request plus the read-ahead window, clipped at end
// of file) with one vectored read; partially valid pages get their invalid sectors read.
//
// Locking: a hit takes no lock at all: an index lookup, one CAS for the shared hold, the copy,
// one atomic release. A miss takes the file lock to publish its frames and the queue lock to
// enqueue them, never across the read.
// Invariants: a frame is published in the index held Exclusive with no valid sector, and
// becomes readable only after its read completed; a failed read unpublishes and frees every
// frame of the cluster, so no garbage or zeros are ever cached as data (P8).

using System.Buffers;
using Quire.Files;
using Quire.Frames;
using Quire.Internal;
using Quire.Metrics;

namespace Quire.Paging;

internal sealed class ReadPath
{
    public const int MaxClusterPages = 256; // bounds a miss's frame list and its vectored read

    private readonly FramePool _pool; // (I)
    private readonly PageAllocator _allocator; // (I)
    private readonly PageHolds _holds; // (I)
    private readonly Pager _pager; // (I)
    private readonly CacheCounters _counters; // (I)
    private readonly int _maxReadAheadPages; // (I)
    private int _prefetchesInFlight; // (A) background prefetches started and not ended, so Dispose can wait for them

    public ReadPath(FramePool pool, PageAllocator allocator, PageHolds holds, Pager pager, CacheCounters counters, CacheLimits limits)
    {
        _pool = pool;
        _allocator = allocator;
        _holds = holds;
        _pager = pager;
        _counters = counters;
        _maxReadAheadPages = limits.MaxReadAheadPages;
    }

    /// <summary>
    /// Starts reading pages [<paramref name="firstPage"/>, <paramref name="endPage"/>) in the
    /// background (a read-ahead window, WillNeed advice); failures leave the pages to be read on
    /// demand and are not reported: it is advice. Tracked, so the cache's Dispose can wait for it.
    /// </summary>
    public void StartPrefetch(FileObject file, long firstPage, long endPage)
    {
        Interlocked.Increment(ref _prefetchesInFlight);
        _ = RunPrefetchAsync(file, firstPage, endPage);
    }

    /// <summary>Waits until no background prefetch runs, or <paramref name="deadline"/>.</summary>
    public void WaitForPrefetches(Deadline deadline)
    {
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _prefetchesInFlight) > 0 && !deadline.HasExpired)
        {
            spinner.SpinOnce();
        }
    }

    private enum FillResult
    {
        Filled,
        Raced,
        PastEndOfFile,
    }

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes at <paramref name="fileOffset"/>; short only at end of file.</summary>
    public int Read(FileObject file, ReadAheadState readAhead, long fileOffset, Span<byte> buffer)
    {
        int count = ClipToSize(file, fileOffset, buffer.Length);
        int done = 0;
        while (done < count)
        {
            long offset = fileOffset + done;
            int inPage = (int)(offset & (_pool.PageSize - 1));
            int chunk = Math.Min(_pool.PageSize - inPage, count - done);
            Span<byte> destination = buffer.Slice(done, chunk);
            if (!TryCopyHit(file, readAhead, offset >> _pool.PageShift, inPage, destination))
            {
                int frame = AcquireValid(file, readAhead, offset >> _pool.PageShift, inPage, chunk, fileOffset, count);
                if (frame < 0)
                {
                    count = done; // the file was truncated under the read
                    break;
                }

                _pool.Bytes(frame).Slice(inPage, chunk).CopyTo(destination);
                _holds.Release(frame, exclusive: false);
            }

            done += chunk;
        }

        readAhead.Record(fileOffset + count);
        return count;
    }

    /// <summary>
    /// Copies the range if every page it needs is resident, valid and not held for writing, and
    /// returns false otherwise, without reading from the store or waiting. Short only at end of file.
    /// </summary>
    public bool TryRead(FileObject file, ReadAheadState readAhead, long fileOffset, Span<byte> buffer, out int bytesRead)
    {
        int count = ClipToSize(file, fileOffset, buffer.Length);
        for (int done = 0; done < count;)
        {
            long offset = fileOffset + done;
            int inPage = (int)(offset & (_pool.PageSize - 1));
            int chunk = Math.Min(_pool.PageSize - inPage, count - done);
            if (!TryCopyHit(file, readAhead, offset >> _pool.PageShift, inPage, buffer.Slice(done, chunk)))
            {
                bytesRead = 0;
                return false;
            }

            done += chunk;
        }

        readAhead.Record(fileOffset + count);
        bytesRead = count;
        return true;
    }

    /// <summary>Reads asynchronously; completes synchronously, without allocating, when every page is a hit.</summary>
    public ValueTask<int> ReadAsync(FileObject file, ReadAheadState readAhead, long fileOffset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        int count = ClipToSize(file, fileOffset, buffer.Length);
        int done = 0;
        while (done < count)
        {
            long offset = fileOffset + done;
            int inPage = (int)(offset & (_pool.PageSize - 1));
            int chunk = Math.Min(_pool.PageSize - inPage, count - done);
            if (!TryCopyHit(file, readAhead, offset >> _pool.PageShift, inPage, buffer.Span.Slice(done, chunk)))
            {
                return ReadSlowAsync(file, readAhead, fileOffset, buffer, count, done, cancellationToken);
            }

            done += chunk;
        }

        readAhead.Record(fileOffset + count);
        return new ValueTask<int>(count);
    }

    /// <summary>
    /// Makes the missing pages of [<paramref name="firstPage"/>, <paramref name="endPage"/>) resident
    /// without waiting for their reads: the background prefetch of <see cref="FileAdvice.WillNeed"/>.
    /// Uses only frames above the reserve; a failed read drops its pages and is not reported.
    /// </summary>
    public async Task PrefetchAsync(FileObject file, long firstPage, long endPage)
    {
        long page = firstPage;
        while (page < endPage)
        {
            if (file.Index.Lookup(page) >= 0)
            {
                page++;
                continue;
            }

            int firstFrame = _allocator.TryAllocateForSpeculation();
            if (firstFrame < 0)
            {
                return; // the pool is under pressure: prefetching would evict what is in use
            }

            FillResult result = PrepareFill(file, page, endPage, 0, firstFrame, out ClusterFill fill);
            if (result == FillResult.PastEndOfFile)
            {
                return;
            }

            if (result == FillResult.Raced)
            {
                page++;
                continue;
            }

            try
            {
                await _pager.ReadAsync(file, fill.Frames, fill.Count, fill.FirstPage, file.ReadableEnd, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Whatever failed, the cluster's frames must not stay held: unpublish them first.
                AbortFill(file, ref fill);
                if (e is BackingStoreException or ObjectDisposedException or OperationCanceledException)
                {
                    return;
                }

                throw;
            }

            _counters.ReadAheadPages.Add(fill.Count);
            int frame = CompleteFill(ref fill, markIndex: page == firstPage ? 0 : -1, freshFirst: true);
            page = fill.FirstPage + fill.Count;
            _holds.Release(frame, exclusive: false);
        }
    }

    /// <summary>
    /// Reads the first run of missing pages of [<paramref name="firstPage"/>, <paramref name="endPage"/>)
    /// with one read, for a prewarm: only into free frames above the reserve (it never reclaims, so
    /// it never displaces a page in use), onto the inactive queue as fresh pages (not hotter than
    /// read-ahead). Returns the pages read, the page to continue from, and whether it stopped for
    /// want of a free frame. A failed read drops its pages and is not reported: it is a hint.
    /// Tracked as a prefetch, so the cache's Dispose waits for it.
    /// </summary>
    public async Task<(int PagesRead, long NextPage, bool PoolFull)> PrewarmAsync(FileObject file, long firstPage, long endPage)
    {
        Interlocked.Increment(ref _prefetchesInFlight);
        try
        {
            long page = firstPage;
            while (page < endPage && file.Index.Lookup(page) >= 0)
            {
                page++;
            }

            if (page >= endPage)
            {
                return (0, endPage, false);
            }

            int firstFrame = _allocator.TryAllocateFree();
            if (firstFrame < 0)
            {
                return (0, page, true);
            }

            FillResult result = PrepareFill(file, page, endPage, 0, firstFrame, out ClusterFill fill, freeFramesOnly: true);
            if (result != FillResult.Filled)
            {
                return (0, result == FillResult.PastEndOfFile ? endPage : page + 1, false);
            }

            try
            {
                await _pager.ReadAsync(file, fill.Frames, fill.Count, fill.FirstPage, file.ReadableEnd, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is BackingStoreException or ObjectDisposedException or OperationCanceledException)
            {
                AbortFill(file, ref fill);
                return (0, endPage, false);
            }

            int count = fill.Count;
            _counters.PrewarmedPages.Add(count);
            int frame = CompleteFill(ref fill, markIndex: -1, freshFirst: true);
            _holds.Release(frame, exclusive: false);
            return (count, page + count, false);
        }
        finally
        {
            Interlocked.Decrement(ref _prefetchesInFlight);
        }
    }

    /// <summary>
    /// Takes a shared hold on a page of the file whose sectors covering [inPage, inPage + byteCount)
    /// are valid, reading it (and its cluster) when needed. Returns -1 if the page is past end of file.
    /// </summary>
    public int AcquireValid(FileObject file, ReadAheadState? readAhead, long page, int inPage, int byteCount, long requestOffset, int requestCount)
    {
        var deadline = _holds.NewPageDeadline();
        UInt128 needed = SectorMask.Touched(inPage, byteCount);
        while (true)
        {
            int frame = _holds.LookupAndAcquire(file, page, exclusive: false, deadline);
            if (frame >= 0)
            {
                if (SectorMask.Contains(_pool.Metadata(frame).ValidSectors, needed))
                {
                    _counters.Hits.Increment();
                    return frame;
                }

                _holds.Release(frame, exclusive: false);
                frame = _holds.LookupAndAcquire(file, page, exclusive: true, deadline);
                if (frame < 0)
                {
                    continue;
                }

                _counters.Misses.Increment();
                try
                {
                    FillInvalidSectors(file, frame, page);
                }
                catch
                {
                    _holds.Release(frame, exclusive: true);
                    throw;
                }

                PageState.DowngradeExclusive(ref _pool.Metadata(frame).State);
                return frame;
            }

            FillResult result = PrepareMiss(file, readAhead, page, requestOffset, requestCount, out ClusterFill fill, out long requestEndPage, out int readAheadPages);
            if (result == FillResult.PastEndOfFile)
            {
                return -1;
            }

            if (result == FillResult.Raced)
            {
                continue;
            }

            try
            {
                _pager.Read(file, fill.Frames.AsSpan(0, fill.Count), fill.FirstPage, file.ReadableEnd);
            }
            catch (BackingStoreException) when (fill.Count > 1)
            {
                // Only the read-ahead part may have failed: never fail a read for pages it did
                // not ask for (P8). Drop the cluster and read the demanded page alone.
                AbortFill(file, ref fill);
                readAhead = null;
                requestCount = (int)Math.Min(requestCount, _pool.PageSize - inPage);
                requestOffset = (page << _pool.PageShift) + inPage;
                continue;
            }
            catch
            {
                AbortFill(file, ref fill);
                throw;
            }

            return CompleteMiss(ref fill, readAhead, requestEndPage, readAheadPages);
        }
    }

    /// <summary>
    /// Takes a shared hold on a page if it is a hit (resident, not held for writing, valid over
    /// [inPage, inPage + byteCount)): no lock, no wait, no allocation. Returns the frame, or -1 on
    /// any miss, holding nothing; the caller then goes the way of <see cref="AcquireValid"/>.
    /// </summary>
    public int TryAcquireHit(FileObject file, long page, int inPage, int byteCount)
    {
        int frame = file.Index.Lookup(page);
        if (frame < 0)
        {
            return -1;
        }

        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        if (!PageState.TryAcquireShared(ref metadata.State))
        {
            return -1;
        }

        if (Volatile.Read(ref metadata.FileId) != file.Id
            || Volatile.Read(ref metadata.PageNumber) != page
            || _pool.IsDisposed
            || !SectorMask.Contains(metadata.ValidSectors, SectorMask.Touched(inPage, byteCount)))
        {
            _holds.Release(frame, exclusive: false);
            return -1;
        }

        _counters.Hits.Increment();
        return frame;
    }

    /// <summary>Copies from a resident page if it is a hit: no lock, no allocation. Returns false on any miss.</summary>
    private bool TryCopyHit(FileObject file, ReadAheadState readAhead, long page, int inPage, Span<byte> destination)
    {
        int frame = file.Index.Lookup(page);
        if (frame < 0)
        {
            return false;
        }

        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        if (!PageState.TryAcquireShared(ref metadata.State))
        {
            return false;
        }

        if (Volatile.Read(ref metadata.FileId) != file.Id
            || Volatile.Read(ref metadata.PageNumber) != page
            || _pool.IsDisposed
            || !SectorMask.Contains(metadata.ValidSectors, SectorMask.Touched(inPage, destination.Length)))
        {
            _holds.Release(frame, exclusive: false);
            return false;
        }

        _pool.Bytes(frame).Slice(inPage, destination.Length).CopyTo(destination);
        bool marked = (Volatile.Read(ref metadata.State) & PageState.ReadAheadMark) != 0
            && (PageState.ClearBits(ref metadata.State, PageState.ReadAheadMark) & PageState.ReadAheadMark) != 0;
        _holds.Release(frame, exclusive: false);
        _counters.Hits.Increment();
        if (marked)
        {
            StartAsyncReadAhead(file, readAhead);
        }

        return true;
    }

    /// <summary>The reader reached a window's marked page: read the next window in the background.</summary>
    private void StartAsyncReadAhead(FileObject file, ReadAheadState readAhead)
    {
        if (readAhead.TakeAsync(_maxReadAheadPages, out long firstPage, out int pageCount))
        {
            long eofPage = PagesIn(file.Size);
            if (firstPage < eofPage)
            {
                StartPrefetch(file, firstPage, Math.Min(firstPage + pageCount, eofPage));
            }
        }
    }

    private async Task RunPrefetchAsync(FileObject file, long firstPage, long endPage)
    {
        try
        {
            await PrefetchAsync(file, firstPage, endPage).ConfigureAwait(false);
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

    private async ValueTask<int> ReadSlowAsync(FileObject file, ReadAheadState readAhead, long fileOffset, Memory<byte> buffer, int count, int done, CancellationToken cancellationToken)
    {
        while (done < count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long offset = fileOffset + done;
            long page = offset >> _pool.PageShift;
            int inPage = (int)(offset & (_pool.PageSize - 1));
            int chunk = Math.Min(_pool.PageSize - inPage, count - done);
            if (!TryCopyHit(file, readAhead, page, inPage, buffer.Span.Slice(done, chunk)))
            {
                int frame = await AcquireValidAsync(file, readAhead, page, inPage, chunk, fileOffset, count, cancellationToken).ConfigureAwait(false);
                if (frame < 0)
                {
                    count = done;
                    break;
                }

                _pool.Bytes(frame).Slice(inPage, chunk).CopyTo(buffer.Span.Slice(done, chunk));
                _holds.Release(frame, exclusive: false);
            }

            done += chunk;
        }

        readAhead.Record(fileOffset + count);
        return count;
    }

    /// <summary>The asynchronous twin of <see cref="AcquireValid"/>: the cluster read is awaited.</summary>
    private async ValueTask<int> AcquireValidAsync(FileObject file, ReadAheadState readAhead, long page, int inPage, int byteCount, long requestOffset, int requestCount, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (file.Index.Lookup(page) >= 0)
            {
                // Resident but busy or partially valid: these waits and reads are short and rare.
                return AcquireValid(file, readAhead, page, inPage, byteCount, requestOffset, requestCount);
            }

            FillResult result = PrepareMiss(file, readAhead, page, requestOffset, requestCount, out ClusterFill fill, out long requestEndPage, out int readAheadPages);
            if (result == FillResult.PastEndOfFile)
            {
                return -1;
            }

            if (result == FillResult.Raced)
            {
                continue;
            }

            try
            {
                await _pager.ReadAsync(file, fill.Frames, fill.Count, fill.FirstPage, file.ReadableEnd, cancellationToken).ConfigureAwait(false);
            }
            catch (BackingStoreException) when (fill.Count > 1)
            {
                AbortFill(file, ref fill);
                return AcquireValid(file, null, page, inPage, byteCount, (page << _pool.PageShift) + inPage, byteCount);
            }
            catch
            {
                AbortFill(file, ref fill);
                throw;
            }

            return CompleteMiss(ref fill, readAhead, requestEndPage, readAheadPages);
        }
    }

    /// <summary>
    /// Completes a demand miss. When it read ahead, marks the window's first page and arms the
    /// handle, so reaching that page reads the next window in the background.
    /// </summary>
    private int CompleteMiss(ref ClusterFill fill, ReadAheadState? readAhead, long requestEndPage, int readAheadPages)
    {
        int readAheadIndex = (int)Math.Max(0, requestEndPage - fill.FirstPage);
        bool readAheadDone = readAheadPages > 0 && readAheadIndex > 0 && readAheadIndex < fill.Count;
        _counters.ReadAheadPages.Add(Math.Max(0, fill.Count - readAheadIndex));
        if (readAheadDone)
        {
            readAhead?.ArmAsync(fill.FirstPage + fill.Count, readAheadPages);
        }

        return CompleteFill(ref fill, markIndex: readAheadDone ? readAheadIndex : -1, freshFirst: false);
    }

    /// <summary>
    /// Sets up the cluster for a demand miss at <paramref name="page"/>: the read-ahead window, a
    /// demand frame for the page and speculative ones for the rest, published in the index.
    /// </summary>
    private FillResult PrepareMiss(FileObject file, ReadAheadState? readAhead, long page, long requestOffset, int requestCount, out ClusterFill fill, out long requestEndPage, out int readAheadPages)
    {
        readAheadPages = readAhead?.NextWindow(requestOffset, _maxReadAheadPages) ?? 0;
        requestEndPage = ((requestOffset + requestCount - 1) >> _pool.PageShift) + 1;
        int firstFrame = _allocator.AllocateForDemand();
        FillResult result = PrepareFill(file, page, requestEndPage, readAheadPages, firstFrame, out fill);
        if (result == FillResult.Filled)
        {
            _counters.Misses.Increment();
        }

        return result;
    }

    private static int ClipToSize(FileObject file, long fileOffset, int length)
    {
        long size = file.Size;
        return fileOffset >= size ? 0 : (int)Math.Min(length, size - fileOffset);
    }

    /// <summary>
    /// Allocates frames for the missing pages from <paramref name="page"/> on (up to the request's end
    /// plus the read-ahead window, stopping at a resident page or end of file) and publishes them in
    /// the index, held Exclusive with no valid sector. Takes ownership of <paramref name="firstFrame"/>.
    /// </summary>
    private FillResult PrepareFill(FileObject file, long page, long requestEndPage, int readAheadPages, int firstFrame, out ClusterFill fill, bool freeFramesOnly = false)
    {
        long eofPage = PagesIn(file.Size);
        long endPage = Math.Min(Math.Max(requestEndPage, page + 1) + readAheadPages, eofPage);
        int wanted = (int)Math.Clamp(endPage - page, 1, MaxClusterPages);
        int[] frames = ArrayPool<int>.Shared.Rent(wanted);
        frames[0] = firstFrame;
        int allocated = 1;
        while (allocated < wanted && file.Index.Lookup(page + allocated) < 0)
        {
            int frame = freeFramesOnly ? _allocator.TryAllocateFree() : _allocator.TryAllocateForSpeculation();
            if (frame < 0)
            {
                break;
            }

            frames[allocated++] = frame;
        }

        int published = 0;
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            eofPage = PagesIn(file.Size);
            while (published < allocated && page + published < eofPage && file.Index.Lookup(page + published) < 0)
            {
                ref FrameMetadata metadata = ref _pool.Metadata(frames[published]);
                PageTransitions.ClearSectors(ref metadata);
                Volatile.Write(ref metadata.FileId, file.Id);
                Volatile.Write(ref metadata.PageNumber, page + published);
                file.Index.InsertLocked(page + published, frames[published]);
                published++;
            }
        }

        for (int i = published; i < allocated; i++)
        {
            _allocator.Free(frames[i]);
        }

        fill = new ClusterFill(frames, published, page);
        if (published == 0)
        {
            ArrayPool<int>.Shared.Return(frames);
            return page >= eofPage ? FillResult.PastEndOfFile : FillResult.Raced;
        }

        _allocator.Enqueue(frames.AsSpan(0, published));
        return FillResult.Filled;
    }

    /// <summary>Marks a filled cluster valid, releases all but its first page and returns that one held shared.</summary>
    private int CompleteFill(ref ClusterFill fill, int markIndex, bool freshFirst)
    {
        UInt128 full = SectorMask.Full(_pool.PageSize);
        for (int i = 0; i < fill.Count; i++)
        {
            ref FrameMetadata metadata = ref _pool.Metadata(fill.Frames[i]);
            PageState.EnterMetaLock(ref metadata.State);
            metadata.ValidSectors = full;
            PageState.ExitMetaLock(ref metadata.State);
            int bits = (i > 0 || freshFirst ? PageState.Fresh : 0) | (i == markIndex ? PageState.ReadAheadMark : 0);
            if (bits != 0)
            {
                PageState.SetBits(ref metadata.State, bits);
            }

            if (i > 0)
            {
                _holds.Release(fill.Frames[i], exclusive: true);
            }
        }

        int first = fill.Frames[0];
        PageState.DowngradeExclusive(ref _pool.Metadata(first).State);
        ArrayPool<int>.Shared.Return(fill.Frames);
        return first;
    }

    /// <summary>Unpublishes and frees every frame of a cluster whose read failed.</summary>
    private void AbortFill(FileObject file, ref ClusterFill fill)
    {
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            for (int i = 0; i < fill.Count; i++)
            {
                if (file.Index.Lookup(fill.FirstPage + i) == fill.Frames[i])
                {
                    file.Index.RemoveLocked(fill.FirstPage + i);
                }
            }
        }

        for (int i = 0; i < fill.Count; i++)
        {
            _allocator.Free(fill.Frames[i]);
        }

        ArrayPool<int>.Shared.Return(fill.Frames);
    }

    /// <summary>
    /// Reads a page the caller holds Exclusive into a spare frame (the caller's, or one allocated
    /// here) and copies in the sectors that are not valid.
    /// </summary>
    public void FillInvalidSectors(FileObject file, int frame, long page, int spareFrame = -1)
    {
        int bounce = spareFrame >= 0 ? spareFrame : _allocator.AllocateForDemand();
        try
        {
            _pager.Read(file, [bounce], page, file.ReadableEnd);
            ref FrameMetadata metadata = ref _pool.Metadata(frame);
            int sectorCount = _pool.PageSize >> SectorMask.SectorShift;
            UInt128 invalid = SectorMask.Full(_pool.PageSize) & ~metadata.ValidSectors;
            Span<byte> source = _pool.Bytes(bounce);
            Span<byte> target = _pool.Bytes(frame);
            int from = 0;
            while (SectorMask.NextRun(invalid, from, sectorCount, out int first, out int count))
            {
                int start = first << SectorMask.SectorShift;
                int length = count << SectorMask.SectorShift;
                source.Slice(start, length).CopyTo(target.Slice(start, length));
                from = first + count;
            }

            PageState.EnterMetaLock(ref metadata.State);
            metadata.ValidSectors = SectorMask.Full(_pool.PageSize);
            PageState.ExitMetaLock(ref metadata.State);
        }
        finally
        {
            if (spareFrame < 0)
            {
                _allocator.Free(bounce);
            }
        }
    }

    private long PagesIn(long byteCount) => (byteCount + _pool.PageSize - 1) >> _pool.PageShift;

    private record struct ClusterFill(int[] Frames, int Count, long FirstPage);
}
