using Quire.Internal;

namespace Quire;

/// <summary>
/// Thrown by a flush (or a dispose that flushes) when data it had to make durable could not be
/// written or made durable. The data is not lost: the pages stay dirty in the cache and are
/// written again by the next flush. Names the file and the byte ranges that are not durable; the
/// store's exception is the <see cref="Exception.InnerException"/>, its errno the HResult.
/// </summary>
public sealed class WritebackFailedException : IOException
{
    /// <summary>Creates the exception for the ranges of <paramref name="fileName"/> that are not durable.</summary>
    public WritebackFailedException(string fileName, IReadOnlyList<ByteRange> ranges, Exception? innerException)
        : base(BuildMessage(fileName, ranges, innerException), innerException)
    {
        FileName = fileName;
        Ranges = ranges;
        ErrorKind = IOErrorKinds.Classify(innerException);
        if (innerException is not null)
        {
            HResult = innerException.HResult;
        }
    }

    /// <summary>The file whose data is not durable.</summary>
    public string FileName { get; }

    /// <summary>The byte ranges whose writes failed, in file order; empty when only the durable flush itself failed.</summary>
    public IReadOnlyList<ByteRange> Ranges { get; }

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


    private static string BuildMessage(string fileName, IReadOnlyList<ByteRange> ranges, Exception? inner)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(ranges);
        string what = ranges.Count == 0
            ? "the store failed to make written data durable"
            : $"writes of {string.Join(", ", ranges.Take(8))}{(ranges.Count > 8 ? $" and {ranges.Count - 8} more ranges" : string.Empty)} failed";
        return $"Data of '{fileName}' is not durable: {what}. The data is kept dirty and will be written again. {inner?.Message}";
    }
}
