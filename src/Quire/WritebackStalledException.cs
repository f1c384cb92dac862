using Quire.Internal;

namespace Quire;

/// <summary>
/// Thrown to a writer throttled by the dirty limit when the device made no progress at all for
/// <see cref="PageCacheOptions.MaxWritebackStall"/>: dirty data cannot be written back (a failing
/// or full device), so the writer is told instead of being left to wait forever. The write that
/// was throttled had already been applied to the cache; the data is kept dirty and retried. The
/// recorded write error, if any, is the <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class WritebackStalledException : IOException
{
    /// <summary>Creates the exception for a file whose writeback stalled.</summary>
    public WritebackStalledException(string fileName, int notDurablePages, TimeSpan stalledFor, Exception? innerException)
        : base(
            $"Writeback of '{fileName}' made no progress for {stalledFor.TotalSeconds:0.###} s with {notDurablePages} pages not durable; "
            + $"the writer is not throttled further. {innerException?.Message}",
            innerException)
    {
        FileName = fileName;
        ErrorKind = IOErrorKinds.Classify(innerException);
        if (innerException is not null)
        {
            HResult = innerException.HResult;
        }
    }

    /// <summary>The file being written when the stall was detected.</summary>
    public string FileName { get; }

    /// <summary>What kind of failure the store reported, if it reported one.</summary>
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
