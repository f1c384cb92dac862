namespace Quire;

/// <summary>A portable classification of a backing-store failure.</summary>
public enum IOErrorKind
{
    /// <summary>An I/O error (EIO) or any failure not classified more precisely.</summary>
    IOError,

    /// <summary>The device is full (ENOSPC).</summary>
    NoSpace,

    /// <summary>A disk quota was exceeded (EDQUOT).</summary>
    QuotaExceeded,

    /// <summary>The file would exceed the largest size the store allows (EFBIG).</summary>
    TooLarge,
}
