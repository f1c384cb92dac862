// PageRangeLease: a lease that can live in a field: shared holds on every page of a byte range of
// one file, taken through a handle (CachedFile.PinRange, TryPinRange, TryRepin) and released
// explicitly. Where PageLease is a ref struct for one page on one stack, this is an object an
// engine keeps across calls (a Lucene IndexInput's current page) and moves along the file
// without allocating (TryRepin).
//
// Locking: _held is atomic; whoever turns it from 1 to 0 releases the holds and returns the
// budget, so a lease releases once whatever races (the owner's Release, the handle's Dispose).
// The range fields change only while the lease holds nothing, by its owner's thread (a repin),
// and are published by the full fence that sets _held to 1.
// Invariants:
//  1. Held: every page of [FileOffset, FileOffset + Length) is held shared, valid in the range,
//     and counted in the cache's leased pages (PageHolds.MaxLeasedPages bounds them).
//  2. Held only while a member of the handle's LeaseSet (which it joins at its first take and
//     leaves when released explicitly), and never after the handle's Dispose: a take marks the
//     lease held and then checks whether the set was closed (LeaseSet's header).
//  3. A released lease refuses to be read (ObjectDisposedException) and to be released again
//     explicitly (InvalidOperationException); Dispose is idempotent.

using Quire.Paging;

namespace Quire;

/// <summary>
/// A pinned, read-only view of a byte range of a cached file, one or more pages long, that may be
/// kept in a field: its pages stay resident and unchanged (writers of them wait) until it is
/// released. Take it with <see cref="CachedFile.PinRange"/>; read it page by page with
/// <see cref="GetPageSpan"/>, or as one span with <see cref="Span"/> when its frames happen to be
/// adjacent in memory; release it with <see cref="Release"/> or <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// <para>
/// A lease belongs to the handle it was taken through: disposing the handle releases every lease
/// still held, so a forgotten lease pins its pages until its handle is closed, never longer. Do
/// not dispose the handle while another thread reads from one of its leases.
/// </para>
/// <para>
/// The leases of a cache hold at most a quarter of its frames at once; a take that would go past
/// that fails (<see cref="CachedFile.PinRange"/> throws, the Try methods return false), so leases
/// can never leave reads and writes without frames.
/// </para>
/// <para>
/// A lease is used by one thread at a time. Misuse is detected in every build: reading a released
/// lease throws <see cref="ObjectDisposedException"/>, releasing it twice with
/// <see cref="Release"/> throws <see cref="InvalidOperationException"/>, reading outside its range
/// throws <see cref="ArgumentOutOfRangeException"/>, and repinning it through a handle of another
/// file or cache throws <see cref="ArgumentException"/>.
/// </para>
/// <para>
/// Truncation: a page of the range that a truncate cuts away leaves the file at once but keeps its
/// frame, and the lease keeps showing its old bytes, until the lease is released (as with
/// <see cref="PageLease"/>); a truncate whose new end falls inside a leased page waits for the
/// lease and fails with <see cref="TimeoutException"/> if it is not released in time.
/// </para>
/// </remarks>
public sealed class PageRangeLease : IDisposable
{
    private readonly CachedFile _owner; // (I)
    private int _held; // (A) 1 while the lease holds its pages
    private bool _releasedByHandle; // set with _held = 0 when the handle's Dispose released the lease
    private long _firstPage; // the range: written only while _held == 0 (a take or repin)
    private int _pageCount;
    private int _firstFrame;
    private int[]? _moreFrames; // the frames of pages 1 .. _pageCount - 1, reused across repins
    private bool _contiguous;

    internal PageRangeLease(CachedFile owner)
    {
        _owner = owner;
        Slot = -1;
    }

    /// <summary>The index of this lease in its handle's LeaseSet while it is a member; guarded by the set's lock.</summary>
    internal int Slot { get; set; }

    /// <summary>Whether the lease is in its handle's LeaseSet; written under the set's lock, read by the owner's thread.</summary>
    internal bool IsMember { get; set; }

    /// <summary>The file offset of the first byte of the range (of the last range, once released).</summary>
    public long FileOffset { get; private set; }

    /// <summary>The number of bytes in the range.</summary>
    public int Length { get; private set; }

    /// <summary>The number of pages the range lies in: <see cref="GetPageSpan"/> takes 0 to this less one.</summary>
    public int PageCount => _pageCount;

    /// <summary>Whether the lease holds its pages (false once released, by itself or by its handle's Dispose).</summary>
    public bool IsHeld => Volatile.Read(ref _held) != 0;

    /// <summary>Whether the range's frames are adjacent in memory, so that <see cref="Span"/> can show it as one span.</summary>
    /// <exception cref="ObjectDisposedException">The lease was released.</exception>
    public bool IsContiguous
    {
        get
        {
            ThrowIfNotHeld();
            return _contiguous;
        }
    }

    /// <summary>The whole range as one span, when its frames are adjacent in memory (always for one page).</summary>
    /// <exception cref="InvalidOperationException">The range lies in several frames that are not adjacent: read it with <see cref="GetPageSpan"/>.</exception>
    /// <exception cref="ObjectDisposedException">The lease was released, or the cache disposed.</exception>
    public ReadOnlySpan<byte> Span
    {
        get
        {
            ThrowIfNotHeld();
            if (_pageCount == 1)
            {
                return GetPageSpan(0);
            }

            if (!_contiguous)
            {
                throw new InvalidOperationException($"The {_pageCount} pages of the lease at file offset {FileOffset} of '{_owner.Name}' lie in frames that are not adjacent; read them with GetPageSpan.");
            }

            int inPage = (int)(FileOffset - (_firstPage << _owner.Cache.Pool.PageShift));
            return _owner.Cache.Pool.BytesOfRun(_firstFrame, _pageCount).Slice(inPage, Length);
        }
    }

    /// <summary>The bytes of the range that lie in its <paramref name="pageIndex"/>-th page (0 is the page of <see cref="FileOffset"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageIndex"/> is negative or not less than <see cref="PageCount"/>.</exception>
    /// <exception cref="ObjectDisposedException">The lease was released, or the cache disposed.</exception>
    public ReadOnlySpan<byte> GetPageSpan(int pageIndex)
    {
        ThrowIfNotHeld();
        if ((uint)pageIndex >= (uint)_pageCount)
        {
            throw new ArgumentOutOfRangeException(nameof(pageIndex), pageIndex, $"'{nameof(pageIndex)}' must be from 0 to {_pageCount - 1}, the pages of the lease, but it is {pageIndex}.");
        }

        int shift = _owner.Cache.Pool.PageShift;
        long pageStart = (_firstPage + pageIndex) << shift;
        long from = Math.Max(FileOffset, pageStart);
        long to = Math.Min(FileOffset + Length, pageStart + (1L << shift));
        int frame = pageIndex == 0 ? _firstFrame : _moreFrames![pageIndex - 1];
        return _owner.Cache.Pool.Bytes(frame).Slice((int)(from - pageStart), (int)(to - from));
    }

    /// <summary>
    /// The bytes [<paramref name="fileOffset"/>, <paramref name="fileOffset"/> + <paramref name="byteCount"/>),
    /// which must lie within the range, and within one page unless the lease <see cref="IsContiguous"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The bytes do not lie within the range.</exception>
    /// <exception cref="InvalidOperationException">The bytes cross a page boundary between frames that are not adjacent.</exception>
    /// <exception cref="ObjectDisposedException">The lease was released, or the cache disposed.</exception>
    public ReadOnlySpan<byte> GetSpan(long fileOffset, int byteCount)
    {
        ThrowIfNotHeld();
        if (fileOffset < FileOffset || byteCount < 0 || fileOffset + byteCount > FileOffset + Length)
        {
            throw new ArgumentOutOfRangeException(nameof(fileOffset), fileOffset, $"The {byteCount} bytes at file offset {fileOffset} do not lie within the lease's range of {Length} bytes at {FileOffset}.");
        }

        int shift = _owner.Cache.Pool.PageShift;
        long page = fileOffset >> shift;
        long lastPage = byteCount == 0 ? page : (fileOffset + byteCount - 1) >> shift;
        if (page == lastPage)
        {
            int frame = page == _firstPage ? _firstFrame : _moreFrames![page - _firstPage - 1];
            return _owner.Cache.Pool.Bytes(frame).Slice((int)(fileOffset - (page << shift)), byteCount);
        }

        return Span.Slice((int)(fileOffset - FileOffset), byteCount);
    }

    /// <summary>Releases the pages. Writers of them may proceed and the frames may be reclaimed.</summary>
    /// <exception cref="InvalidOperationException">The lease was already released (by this method, <see cref="Dispose"/>, or its handle's Dispose).</exception>
    public void Release()
    {
        if (!TryRelease())
        {
            throw new InvalidOperationException(_releasedByHandle
                ? $"The lease at file offset {FileOffset} of '{_owner.Name}' was already released when its handle was disposed."
                : $"The lease at file offset {FileOffset} of '{_owner.Name}' was released twice.");
        }
    }

    /// <summary>Releases the pages if the lease still holds them. Idempotent.</summary>
    public void Dispose() => TryRelease();

    /// <summary>
    /// Takes a lease's holds on [<paramref name="fileOffset"/>, + <paramref name="byteCount"/>) of
    /// <paramref name="owner"/>'s file; the lease holds nothing when called. Returns false when the
    /// leases' budget has no room; throws, holding nothing, on any failure.
    /// </summary>
    internal static bool TryTake(CachedFile owner, PageRangeLease lease, long fileOffset, int byteCount)
    {
        PageCache cache = owner.Cache;
        if (!lease.IsMember && !owner.Leases.TryAdd(lease))
        {
            throw new ObjectDisposedException(nameof(CachedFile), $"The handle of '{owner.Name}' was disposed.");
        }

        int shift = cache.Pool.PageShift;
        long firstPage = fileOffset >> shift;
        int pageCount = (int)(((fileOffset + byteCount - 1) >> shift) - firstPage + 1);
        if (pageCount > cache.Holds.MaxLeasedPages)
        {
            throw new ArgumentOutOfRangeException(nameof(byteCount), byteCount, $"A lease of {byteCount} bytes at file offset {fileOffset} covers {pageCount} pages, more than the {cache.Holds.MaxLeasedPages} that leases may hold at once (a quarter of the pool).");
        }

        if (!cache.Holds.TryReserveLeasedPages(pageCount))
        {
            return false;
        }

        if (pageCount > 1 && (lease._moreFrames is null || lease._moreFrames.Length < pageCount - 1))
        {
            lease._moreFrames = new int[pageCount - 1];
        }

        try
        {
            lease.TakeHolds(firstPage, pageCount, fileOffset, byteCount);
        }
        catch
        {
            cache.Holds.ReturnLeasedPages(pageCount);
            throw;
        }

        owner.ReadAhead.Record(fileOffset + byteCount);
        lease._firstPage = firstPage;
        lease._pageCount = pageCount;
        lease.FileOffset = fileOffset;
        lease.Length = byteCount;
        lease._contiguous = pageCount == 1 || lease.FramesAdjacent();
        Interlocked.Exchange(ref lease._held, 1); // a full fence: publishes the range, then reads IsClosed
        if (owner.Leases.IsClosed)
        {
            // The handle's Dispose ran meanwhile; whichever of it and this takes the flag releases.
            lease.ReleaseForClosedHandle();
            throw new ObjectDisposedException(nameof(CachedFile), $"The handle of '{owner.Name}' was disposed while a lease was being taken through it.");
        }

        return true;
    }

    /// <summary>Repins a lease through <paramref name="owner"/>: checks it belongs there, releases what it holds, takes the new range.</summary>
    internal static bool TryRepin(CachedFile owner, PageRangeLease lease, long fileOffset, int byteCount)
    {
        if (!ReferenceEquals(lease._owner, owner))
        {
            string where = ReferenceEquals(lease._owner.Cache, owner.Cache) ? "another handle" : "a handle of another cache";
            throw new ArgumentException($"The lease was taken through {where} ('{lease._owner.Name}'); repin it through the handle it was taken through.", nameof(lease));
        }

        if (Interlocked.Exchange(ref lease._held, 0) == 1)
        {
            // Released but kept in the handle's set: the take that follows needs no lock.
            lease.ReleaseHolds(lease._pageCount);
            owner.Cache.Holds.ReturnLeasedPages(lease._pageCount);
        }

        lease._releasedByHandle = false;
        return TryTake(owner, lease, fileOffset, byteCount);
    }

    /// <summary>Releases the lease because its handle is being disposed (LeaseSet.ReleaseAll).</summary>
    internal void ReleaseForClosedHandle()
    {
        if (Interlocked.Exchange(ref _held, 0) == 1)
        {
            _releasedByHandle = true;
            ReleaseHolds(_pageCount);
            _owner.Cache.Holds.ReturnLeasedPages(_pageCount);
        }
    }

    private bool TryRelease()
    {
        bool released = Interlocked.Exchange(ref _held, 0) == 1;
        if (released)
        {
            ReleaseHolds(_pageCount);
            _owner.Cache.Holds.ReturnLeasedPages(_pageCount);
        }

        if (IsMember)
        {
            _owner.Leases.Remove(this);
        }

        return released;
    }

    /// <summary>Takes a shared hold on each page of the range, valid over the range's bytes in it; on failure releases what it took and throws.</summary>
    private void TakeHolds(long firstPage, int pageCount, long fileOffset, int byteCount)
    {
        PageCache cache = _owner.Cache;
        int shift = cache.Pool.PageShift;
        int taken = 0;
        try
        {
            for (; taken < pageCount; taken++)
            {
                long page = firstPage + taken;
                long from = Math.Max(fileOffset, page << shift);
                long to = Math.Min(fileOffset + byteCount, (page + 1) << shift);
                int inPage = (int)(from - (page << shift));
                int frame = cache.Reads.TryAcquireHit(_owner.FileObject, page, inPage, (int)(to - from));
                if (frame < 0)
                {
                    frame = cache.Reads.AcquireValid(_owner.FileObject, _owner.ReadAhead, page, inPage, (int)(to - from), fileOffset, byteCount);
                }

                if (frame < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(fileOffset), fileOffset, $"The file '{_owner.Name}' was truncated below file offset {from}.");
                }

                if (taken == 0)
                {
                    _firstFrame = frame;
                }
                else
                {
                    _moreFrames![taken - 1] = frame;
                }
            }
        }
        catch
        {
            ReleaseHolds(taken);
            throw;
        }
    }

    private void ReleaseHolds(int pageCount)
    {
        PageHolds holds = _owner.Cache.Holds;
        for (int i = 0; i < pageCount; i++)
        {
            holds.Release(i == 0 ? _firstFrame : _moreFrames![i - 1], exclusive: false);
        }
    }

    private bool FramesAdjacent()
    {
        for (int i = 0; i < _pageCount - 1; i++)
        {
            if (_moreFrames![i] != _firstFrame + i + 1)
            {
                return false;
            }
        }

        return !_owner.Cache.Pool.BytesOfRun(_firstFrame, _pageCount).IsEmpty;
    }

    private void ThrowIfNotHeld()
    {
        if (Volatile.Read(ref _held) == 0)
        {
            ThrowReleased();
        }

        _owner.Cache.ThrowIfDisposed();
    }

    private void ThrowReleased() =>
        throw new ObjectDisposedException(nameof(PageRangeLease), _releasedByHandle
            ? $"The lease at file offset {FileOffset} of '{_owner.Name}' was released when its handle was disposed."
            : $"The lease at file offset {FileOffset} of '{_owner.Name}' was released.");
}
