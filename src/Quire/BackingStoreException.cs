using Quire.Internal;

namespace Quire;

/// <summary>
/// Thrown on the caller's path when the backing store failed an operation the caller needed:
/// a read of a page it asked for, a length change, or a write it had to wait for. Names the file
/// and the byte range; the store's own exception is the <see cref="Exception.InnerException"/> and
/// its <see cref="Exception.HResult"/> (the errno on Unix) is kept.
/// </summary>
public class BackingStoreException : IOException
{
    /// <summary>Creates the exception for a failure of <paramref name="operation"/> on a byte range.</summary>
    public BackingStoreException(string operation, string fileName, long fileOffset, long byteCount, Exception innerException)
        : base(
            $"The backing store failed to {operation} '{fileName}' at bytes [{fileOffset}, {fileOffset + byteCount}): {innerException?.Message}",
            innerException)
    {
        FileName = fileName;
        FileOffset = fileOffset;
        ByteCount = byteCount;
        ErrorKind = IOErrorKinds.Classify(innerException);
        if (innerException is not null)
        {
            HResult = innerException.HResult;
        }
    }

    /// <summary>The name of the file (its path, or the backing store's name).</summary>
    public string FileName { get; }

    /// <summary>The first byte of the range the failed operation covered.</summary>
    public long FileOffset { get; }

    /// <summary>The number of bytes the failed operation covered.</summary>
    public long ByteCount { get; }

    /// <summary>What kind of failure the store reported.</summary>
    public IOErrorKind ErrorKind { get; }

    /// <summary>
    /// Whether retrying cannot heal the failure (<see cref="IOErrorKind.TooLarge"/>,
    /// <see cref="IOErrorKind.ReadOnlyFileSystem"/>, <see cref="IOErrorKind.PermissionDenied"/>).
    /// The data stays dirty and every flush reports it again; the way out is to truncate the file
    /// below the failed ranges (<see cref="CachedFile.SetLength"/>) or to discard them
    /// (<see cref="CachedFile.Discard"/>), giving that data up on purpose.
    /// </summary>
    public bool IsPermanent => IOErrorKinds.IsPermanent(ErrorKind);

}
