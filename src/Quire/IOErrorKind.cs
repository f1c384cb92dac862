namespace Quire;

/// <summary>
/// A portable classification of a backing-store failure. <see cref="IOError"/>,
/// <see cref="NoSpace"/> and <see cref="QuotaExceeded"/> may heal (the device recovers, space is
/// freed), so the cache keeps retrying; the others cannot, so the data stays dirty until the
/// caller truncates the file (<see cref="CachedFile.SetLength"/>) or discards the range
/// (<see cref="CachedFile.Discard"/>) on purpose. The exceptions' <c>IsPermanent</c> says which.
/// </summary>
public enum IOErrorKind
{
    /// <summary>An I/O error (EIO) or any failure not classified more precisely.</summary>
    IOError,

    /// <summary>The device is full (ENOSPC).</summary>
    NoSpace,

    /// <summary>A disk quota was exceeded (EDQUOT).</summary>
    QuotaExceeded,

    /// <summary>The file would exceed the largest size the store allows (EFBIG). Retrying cannot heal it.</summary>
    TooLarge,

    /// <summary>The store is on a read-only file system (EROFS). Retrying cannot heal it.</summary>
    ReadOnlyFileSystem,

    /// <summary>The store refuses the operation (EACCES, EPERM: permissions, an immutable file). Retrying cannot heal it.</summary>
    PermissionDenied,
}
