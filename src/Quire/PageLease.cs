namespace Quire;

/// <summary>
/// A pinned, read-only view of bytes of one cached page. The page stays resident and unchanged
/// while the lease is held (writers of the page wait). Dispose it with <c>using</c>; do not copy it.
/// </summary>
public ref struct PageLease
{
    private CachedFile? _owner;
    private readonly int _frame;
    private readonly int _offsetInPage;

    internal PageLease(CachedFile owner, int frame, long fileOffset, int byteCount)
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

    /// <summary>The pinned bytes.</summary>
    /// <exception cref="ObjectDisposedException">The lease was disposed.</exception>
    public readonly ReadOnlySpan<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_owner is null, typeof(PageLease));
            return _owner.Cache.Pool.Bytes(_frame).Slice(_offsetInPage, Length);
        }
    }

    /// <summary>Unpins the page. Idempotent for this variable.</summary>
    public void Dispose()
    {
        CachedFile? owner = _owner;
        _owner = null;
        owner?.Cache.Holds.Release(_frame, exclusive: false);
    }
}
