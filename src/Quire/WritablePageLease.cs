namespace Quire;

/// <summary>
/// A pinned, writable view of bytes of one cached page, holding the page exclusively: readers and
/// writers of the page wait until it is disposed. Disposing marks the range dirty. Dispose it
/// with <c>using</c>; do not copy it.
/// </summary>
public ref struct WritablePageLease
{
    private CachedFile? _owner;
    private readonly int _frame;
    private readonly int _offsetInPage;

    internal WritablePageLease(CachedFile owner, int frame, long fileOffset, int byteCount)
    {
        _owner = owner;
        _frame = frame;
        FileOffset = fileOffset;
        Length = byteCount;
        _offsetInPage = (int)(fileOffset & (owner.PageSize - 1));
    }

    /// <summary>The file offset of the first byte of the view.</summary>
    public readonly long FileOffset { get; }

    /// <summary>The number of bytes in the view.</summary>
    public readonly int Length { get; }

    /// <summary>The pinned bytes, holding the range's current content.</summary>
    /// <exception cref="ObjectDisposedException">The lease was disposed.</exception>
    public readonly Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_owner is null, typeof(WritablePageLease));
            return _owner.Cache.Pool.Bytes(_frame).Slice(_offsetInPage, Length);
        }
    }

    /// <summary>Marks the range dirty and releases the page. Idempotent for this variable.</summary>
    public void Dispose()
    {
        CachedFile? owner = _owner;
        _owner = null;
        owner?.Cache.Writes.ReleaseLease(owner.FileObject, owner.Accounting, _frame, FileOffset, Length);
    }
}
