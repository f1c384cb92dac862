using Quire.Internal;

namespace Quire;

/// <summary>
/// A pinned, writable view of bytes of one cached page, holding the page exclusively: readers and
/// writers of the page wait until it is disposed. Disposing marks the range dirty. Dispose it
/// with <c>using</c>. A copy shares the one hold: whichever is disposed first releases it, and the
/// other's span then refuses to be used.
/// </summary>
public ref struct WritablePageLease
{
    private CachedFile? _owner;
    private readonly int _frame;
    private readonly int _offsetInPage;
    private readonly int _ticketSlot;
    private readonly long _ticket; // (LeaseTickets) released once, whichever copy is disposed first

    internal WritablePageLease(CachedFile owner, int frame, long fileOffset, int byteCount)
    {
        _owner = owner;
        _frame = frame;
        FileOffset = fileOffset;
        Length = byteCount;
        _offsetInPage = (int)(fileOffset & (owner.PageSize - 1));
        (_ticketSlot, _ticket) = LeaseTickets.Take();
    }

    /// <summary>The file offset of the first byte of the view.</summary>
    public readonly long FileOffset { get; }

    /// <summary>The number of bytes in the view.</summary>
    public readonly int Length { get; }

    /// <summary>The pinned bytes, holding the range's current content.</summary>
    /// <exception cref="ObjectDisposedException">The lease, or a copy of it, was disposed.</exception>
    public readonly Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_owner is null || !LeaseTickets.IsLive(_ticketSlot, _ticket), typeof(WritablePageLease));
            return _owner.Cache.Pool.Bytes(_frame).Slice(_offsetInPage, Length);
        }
    }

    /// <summary>
    /// Marks the range dirty and releases the page. Releases once: disposing the lease again, or
    /// disposing a copy of it (which a ref struct cannot prevent), does nothing.
    /// </summary>
    public void Dispose()
    {
        CachedFile? owner = _owner;
        _owner = null;
        if (owner is not null && LeaseTickets.Return(_ticketSlot, _ticket))
        {
            owner.Cache.Writes.ReleaseLease(owner.FileObject, owner.Accounting, _frame, FileOffset, Length);
            owner.FileObject.AddWriteLeases(-1); // after the page is dirty, so a detach that sees none sees it not durable
        }
    }
}
