// WritePath: writes at any offset, and write leases. A write holds every page it covers
// Exclusive (taken in page order, so writers cannot deadlock), reads only the sectors it covers
// partially and that are not valid, extends the size, copies, and marks the covered sectors
// valid and dirty (FreeBSD's valid and dirty bitmaps): a write of whole sectors reads nothing.
//
// Locking: page holds first, then the file lock (to publish pages, extend the size, tag dirty
// pages), then the queue lock (to enqueue new pages); each frame's meta lock while its
// bitmaps change. No lock is held across the read of a partial sector.
// Invariants: a write of up to MaxAtomicPages (and at most the pool less its reserve) either
// applies in full or, if it throws (no frame, failed read, timeout), applies nothing: before a
// byte is copied it reserves a frame for every missing page and for each partial-sector read
// (Haiku's page reservation), then holds all its pages. A larger write is applied in pieces of
// that size and may stop part way; the exception then says so.
// A page is marked dirty only while it is in its file's index: a page doomed by a concurrent
// truncate keeps no dirty data (the write is ordered before the truncate).

using System.Buffers;
using System.Diagnostics;
using Quire.Files;
using Quire.Frames;
using Quire.Internal;

namespace Quire.Paging;

internal sealed class WritePath
{
    public const int MaxAtomicPages = 1024; // 4 MiB with 4 KiB pages: the pages one write holds at once
    private const int StackPages = 64; // frame lists up to this size live on the stack

    private readonly FramePool _pool; // (I)
    private readonly PageAllocator _allocator; // (I)
    private readonly PageHolds _holds; // (I)
    private readonly ReadPath _reads; // (I)
    private readonly PageTransitions _transitions; // (I)
    private readonly CacheClock _clock; // (I)
    private readonly int _atomicPages; // (I)
    private IDirtyThrottle? _throttle; // (I after start)

    public WritePath(FramePool pool, PageAllocator allocator, PageHolds holds, ReadPath reads, PageTransitions transitions, CacheClock clock, CacheLimits limits)
    {
        _pool = pool;
        _allocator = allocator;
        _holds = holds;
        _reads = reads;
        _transitions = transitions;
        _clock = clock;
        _atomicPages = limits.MaxAtomicWritePages;
    }

    public void SetThrottle(IDirtyThrottle throttle) => _throttle = throttle;

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="fileOffset"/>, extending the file if it ends
    /// past end of file. Between pieces of a large write, with no hold, the writer may be throttled.
    /// </summary>
    public void Write(FileObject file, HandleAccounting handle, long fileOffset, ReadOnlySpan<byte> data)
    {
        int done = 0;
        while (done < data.Length)
        {
            try
            {
                done = WriteNextPiece(file, handle, fileOffset, data, done, out int dirtied);
                if (dirtied > 0)
                {
                    _throttle?.OnPagesDirtied(file, handle, dirtied);
                }
            }
            catch (Exception e) when (done > 0)
            {
                // Earlier pieces (or this one, when the throttle gave up after it) are in the cache:
                // the caller is told how much, on the exception it would have had anyway.
                NoteBytesWritten(e, done);
                throw;
            }
        }
    }

    /// <summary>
    /// <see cref="Write"/> for an asynchronous writer: the copies are made on the calling thread,
    /// and a throttle pause holds no thread. Completes synchronously unless a pause is due;
    /// <paramref name="cancellationToken"/> ends pauses early (every byte is still written).
    /// </summary>
    public ValueTask WriteAsync(FileObject file, HandleAccounting handle, long fileOffset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        int done = 0;
        while (done < data.Length)
        {
            ValueTask pause;
            try
            {
                done = WriteNextPiece(file, handle, fileOffset, data.Span, done, out int dirtied);
                if (dirtied == 0 || _throttle is null)
                {
                    continue;
                }

                pause = _throttle.OnPagesDirtiedAsync(file, handle, dirtied, cancellationToken);
            }
            catch (Exception e) when (done > 0)
            {
                NoteBytesWritten(e, done);
                throw;
            }

            if (!pause.IsCompletedSuccessfully)
            {
                return WriteAfterPauseAsync(pause, file, handle, fileOffset, data, done, cancellationToken);
            }
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask WriteAfterPauseAsync(ValueTask pause, FileObject file, HandleAccounting handle, long fileOffset, ReadOnlyMemory<byte> data, int done, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await pause.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                NoteBytesWritten(e, done); // the throttle gave up after the piece was in the cache
                throw;
            }

            if (done == data.Length)
            {
                return;
            }

            try
            {
                done = WriteNextPiece(file, handle, fileOffset, data.Span, done, out int dirtied);
                pause = dirtied > 0 && _throttle is not null ? _throttle.OnPagesDirtiedAsync(file, handle, dirtied, cancellationToken) : ValueTask.CompletedTask;
            }
            catch (Exception e)
            {
                NoteBytesWritten(e, done);
                throw;
            }
        }
    }

    private static void NoteBytesWritten(Exception e, int done) => e.Data[CachedFile.BytesWrittenKey] = (long)done;

    /// <summary>
    /// Writes the piece of <paramref name="data"/> from <paramref name="done"/> on, at most the
    /// atomic size; returns the bytes of <paramref name="data"/> now written, with the pages that
    /// went from clean to dirty in <paramref name="dirtied"/>.
    /// </summary>
    private int WriteNextPiece(FileObject file, HandleAccounting handle, long fileOffset, ReadOnlySpan<byte> data, int done, out int dirtied)
    {
        long offset = fileOffset + done;
        long room = ((long)_atomicPages << _pool.PageShift) - (offset & (_pool.PageSize - 1)); // no overflow near the largest offset
        int length = (int)Math.Min(data.Length - done, room);
        dirtied = WritePiece(file, offset, data.Slice(done, length));
        handle.AddBytesDirtied(length);
        return done + length;
    }

    /// <summary>
    /// Takes the page of <paramref name="fileOffset"/> Exclusive for a write lease of <paramref name="byteCount"/>
    /// bytes within it, with every touched sector valid, and extends the size to cover the range.
    /// </summary>
    public int AcquireForLease(FileObject file, long fileOffset, int byteCount)
    {
        Span<int> frames = stackalloc int[1];
        while (true)
        {
            AcquireAll(file, fileOffset, byteCount, frames, wholeSectorsNeedNoRead: false, reservation: null);
            if (ExtendSizeUnlessDoomed(file, fileOffset + byteCount, frames))
            {
                return frames[0];
            }

            Rollback(file, frames, fileOffset >> _pool.PageShift);
        }
    }

    /// <summary>Ends a write lease: marks the range dirty and releases the page; then the writer may be throttled.</summary>
    public void ReleaseLease(FileObject file, HandleAccounting handle, int frame, long fileOffset, int byteCount)
    {
        Span<int> frames = [frame];
        int dirtied = MarkWritten(file, frames, fileOffset, byteCount);
        _holds.Release(frame, exclusive: true);
        handle.AddBytesDirtied(byteCount);
        if (dirtied > 0)
        {
            _throttle?.OnPagesDirtied(file, handle, dirtied);
        }
    }

    /// <summary>Writes a piece of at most the atomic size, all or nothing; returns the pages that went from clean to dirty.</summary>
    private int WritePiece(FileObject file, long fileOffset, ReadOnlySpan<byte> data)
    {
        long firstPage = fileOffset >> _pool.PageShift;
        int pageCount = (int)(((fileOffset + data.Length - 1) >> _pool.PageShift) - firstPage + 1);
        int[]? rented = pageCount > StackPages ? ArrayPool<int>.Shared.Rent(pageCount) : null;
        Span<int> frames = rented is null ? stackalloc int[StackPages] : rented;
        frames = frames[..pageCount];
        FrameReservation? reservation = Reserve(file, fileOffset, data.Length);
        try
        {
            while (true)
            {
                AcquireAll(file, fileOffset, data.Length, frames, wholeSectorsNeedNoRead: true, reservation);
                if (ExtendSizeUnlessDoomed(file, fileOffset + data.Length, frames))
                {
                    break;
                }

                Rollback(file, frames, firstPage);
            }

            int copied = 0;
            for (int i = 0; i < frames.Length; i++)
            {
                long offset = fileOffset + copied;
                int inPage = (int)(offset & (_pool.PageSize - 1));
                int chunk = Math.Min(_pool.PageSize - inPage, data.Length - copied);
                data.Slice(copied, chunk).CopyTo(_pool.Bytes(frames[i]).Slice(inPage, chunk));
                copied += chunk;
            }

            int dirtied = MarkWritten(file, frames, fileOffset, data.Length);
            for (int i = 0; i < frames.Length; i++)
            {
                _holds.Release(frames[i], exclusive: true);
            }

            return dirtied;
        }
        finally
        {
            reservation?.FreeUnused(_allocator);
            if (rented is not null)
            {
                ArrayPool<int>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Before a write changes anything, allocates a frame for every page of it that is not resident
    /// and for each partial sector at its ends that may need a read, so running out of frames fails
    /// the write up front. Returns null when nothing is needed.
    /// </summary>
    private FrameReservation? Reserve(FileObject file, long fileOffset, int byteCount)
    {
        long firstPage = fileOffset >> _pool.PageShift;
        long endPage = ((fileOffset + byteCount - 1) >> _pool.PageShift) + 1;
        int needed = 0;
        for (long page = firstPage; page < endPage; page++)
        {
            needed += file.Index.Lookup(page) < 0 ? 1 : 0;
        }

        // A partial sector needs a read only when it is not valid: a small write into a cached
        // sector (a BinaryWriter's 4 or 8 bytes) reserves nothing, as an overwrite of whole sectors
        // does not. What is seen here may change before the pages are held; the write then takes
        // what it lacks on demand, as it does for a page evicted in between.
        long end = fileOffset + byteCount;
        needed += (fileOffset & (SectorMask.SectorSize - 1)) != 0 && !IsSectorValid(file, fileOffset) ? 1 : 0;
        needed += (end & (SectorMask.SectorSize - 1)) != 0 && !IsSectorValid(file, end - 1) ? 1 : 0;
        if (needed == 0)
        {
            return null;
        }

        var reservation = new FrameReservation(needed);
        _allocator.AllocateAll(reservation.Frames);
        return reservation;
    }

    /// <summary>Whether the sector of <paramref name="fileOffset"/> is cached and valid now (a racy look, for <see cref="Reserve"/>).</summary>
    private bool IsSectorValid(FileObject file, long fileOffset)
    {
        int frame = file.Index.Lookup(fileOffset >> _pool.PageShift);
        if (frame < 0)
        {
            return false;
        }

        int sector = (int)((fileOffset & (_pool.PageSize - 1)) >> SectorMask.SectorShift);
        return (_pool.Metadata(frame).ValidSectors & (UInt128.One << sector)) != UInt128.Zero;
    }

    /// <summary>
    /// Takes every page of [fileOffset, fileOffset + byteCount) Exclusive, in page order, inserting
    /// the missing ones, and makes the sectors the write needs valid. On failure releases
    /// everything it took and throws: nothing is changed.
    /// </summary>
    private void AcquireAll(FileObject file, long fileOffset, int byteCount, Span<int> frames, bool wholeSectorsNeedNoRead, FrameReservation? reservation)
    {
        long firstPage = fileOffset >> _pool.PageShift;
        Deadline deadline = _holds.NewPageDeadline();
        int held = 0;
        try
        {
            for (; held < frames.Length; held++)
            {
                frames[held] = AcquireOrInsert(file, firstPage + held, deadline, reservation);
            }

            for (int i = 0; i < frames.Length; i++)
            {
                long pageStart = (firstPage + i) << _pool.PageShift;
                int inPage = (int)Math.Max(0, fileOffset - pageStart);
                int length = (int)(Math.Min(fileOffset + byteCount, pageStart + _pool.PageSize) - pageStart - inPage);
                UInt128 needed = SectorMask.Touched(inPage, length);
                if (wholeSectorsNeedNoRead)
                {
                    needed &= ~SectorMask.Covered(inPage, length);
                }

                MakeValid(file, frames[i], firstPage + i, needed, reservation);
            }
        }
        catch
        {
            Rollback(file, frames[..held], firstPage);
            throw;
        }
    }

    private int AcquireOrInsert(FileObject file, long page, Deadline deadline, FrameReservation? reservation)
    {
        while (true)
        {
            int frame = _holds.LookupAndAcquire(file, page, exclusive: true, deadline);
            if (frame >= 0)
            {
                return frame;
            }

            frame = reservation?.TryTake() ?? _allocator.AllocateForDemand();
            bool raced;
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                raced = file.Index.Lookup(page) >= 0;
                if (!raced)
                {
                    ref FrameMetadata metadata = ref _pool.Metadata(frame);
                    PageTransitions.ClearSectors(ref metadata);
                    Volatile.Write(ref metadata.FileId, file.Id);
                    Volatile.Write(ref metadata.PageNumber, page);
                    file.Index.InsertLocked(page, frame);
                }
            }

            if (raced)
            {
                if (reservation is null || !reservation.TryGiveBack(frame))
                {
                    _allocator.Free(frame);
                }

                continue;
            }

            _allocator.Enqueue([frame]);
            return frame;
        }
    }

    /// <summary>Makes the <paramref name="needed"/> sectors of a page held Exclusive valid: zeros past the readable end, else a read.</summary>
    private void MakeValid(FileObject file, int frame, long page, UInt128 needed, FrameReservation? reservation)
    {
        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        UInt128 missing = needed & ~metadata.ValidSectors;
        if (missing == UInt128.Zero)
        {
            return;
        }

        long pageStart = page << _pool.PageShift;
        if (pageStart >= file.ReadableEnd)
        {
            // Nothing of this page exists in the store: its invalid sectors are zeros.
            UInt128 invalid = SectorMask.Full(_pool.PageSize) & ~metadata.ValidSectors;
            ZeroSectors(frame, invalid);
            PageState.EnterMetaLock(ref metadata.State);
            metadata.ValidSectors = SectorMask.Full(_pool.PageSize);
            PageState.ExitMetaLock(ref metadata.State);
            return;
        }

        int bounce = reservation?.TryTake() ?? -1;
        try
        {
            _reads.FillInvalidSectors(file, frame, page, bounce);
        }
        finally
        {
            if (bounce >= 0 && !reservation!.TryGiveBack(bounce))
            {
                _allocator.Free(bounce);
            }
        }
    }

    private void ZeroSectors(int frame, UInt128 sectors)
    {
        Span<byte> bytes = _pool.Bytes(frame);
        int sectorCount = _pool.PageSize >> SectorMask.SectorShift;
        int from = 0;
        while (SectorMask.NextRun(sectors, from, sectorCount, out int first, out int count))
        {
            bytes.Slice(first << SectorMask.SectorShift, count << SectorMask.SectorShift).Clear();
            from = first + count;
        }
    }

    /// <summary>Under the file lock: if no held page was doomed by a truncate, extends the size to <paramref name="end"/>.</summary>
    private bool ExtendSizeUnlessDoomed(FileObject file, long end, ReadOnlySpan<int> frames)
    {
        if (end <= file.Size)
        {
            // No extension needed, so no lock (the common overwrite): if a truncate dooms these
            // pages, now or since they were taken, it began after this write took them, and the
            // write is ordered before it; the doomed pages keep none of its data.
            return true;
        }

        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            foreach (int frame in frames)
            {
                if ((Volatile.Read(ref _pool.Metadata(frame).State) & PageState.Doomed) != 0)
                {
                    return false;
                }
            }

            if (end > file.Size)
            {
                file.SetSizeLocked(end);
            }

            return true;
        }
    }

    /// <summary>Marks the written sectors valid and dirty and tags pages that became dirty; returns how many did.</summary>
    private int MarkWritten(FileObject file, ReadOnlySpan<int> frames, long fileOffset, int byteCount)
    {
        int[]? rented = frames.Length > StackPages ? ArrayPool<int>.Shared.Rent(frames.Length) : null;
        Span<int> becameDirty = rented is null ? stackalloc int[StackPages] : rented;
        int becameDirtyCount = 0;
        int now = _clock.NowTick;
        long firstPage = fileOffset >> _pool.PageShift;
        for (int i = 0; i < frames.Length; i++)
        {
            long pageStart = (firstPage + i) << _pool.PageShift;
            int inPage = (int)Math.Max(0, fileOffset - pageStart);
            int length = (int)(Math.Min(fileOffset + byteCount, pageStart + _pool.PageSize) - pageStart - inPage);
            UInt128 touched = SectorMask.Touched(inPage, length);
            if (_transitions.MarkWritten(file, frames[i], touched, now))
            {
                becameDirty[becameDirtyCount++] = i;
            }
        }

        if (becameDirtyCount > 0)
        {
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                foreach (int i in becameDirty[..becameDirtyCount])
                {
                    PageTransitions.TagDirtyLocked(file, firstPage + i, frames[i]);
                }
            }
        }

        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }

        return becameDirtyCount;
    }

    /// <summary>Releases pages taken by <see cref="AcquireAll"/>; a page that never became valid holds no data and is removed again.</summary>
    private void Rollback(FileObject file, ReadOnlySpan<int> frames, long firstPage)
    {
        for (int i = 0; i < frames.Length; i++)
        {
            int frame = frames[i];
            ref FrameMetadata metadata = ref _pool.Metadata(frame);
            bool remove = metadata.ValidSectors == UInt128.Zero
                && (Volatile.Read(ref metadata.State) & (PageState.Dirty | PageState.Unsynced | PageState.Writeback)) == 0;
            if (!remove)
            {
                _holds.Release(frame, exclusive: true);
                continue;
            }

            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                if (file.Index.Lookup(firstPage + i) == frame)
                {
                    file.Index.RemoveLocked(firstPage + i);
                }
            }

            Debug.Assert((Volatile.Read(ref metadata.State) & PageState.SharedMask) == 0, "An exclusive frame has no shared holders.");
            _allocator.Free(frame);
        }
    }
}
