// ThrowHelper: argument checks shared by the public entry points, kept out of line so the
// callers' hot paths stay small, and the one way several files' flush failures are thrown.
//
// Locking: stateless.

using System.Diagnostics.CodeAnalysis;

namespace Quire.Internal;

internal static class ThrowHelper
{
    /// <summary>Validates a byte range [fileOffset, fileOffset + byteCount) of a file.</summary>
    public static void ValidateRange(long fileOffset, long byteCount, string offsetName = "fileOffset", string countName = "byteCount")
    {
        if (fileOffset < 0)
        {
            ThrowNegative(fileOffset, offsetName);
        }

        if (byteCount < 0)
        {
            ThrowNegative(byteCount, countName);
        }

        if (byteCount > long.MaxValue - fileOffset)
        {
            ThrowRangeOverflow(fileOffset, byteCount, countName);
        }
    }

    /// <summary>
    /// Throws the flush failures of a call that flushed several files: one as itself, several as
    /// one <see cref="AggregateException"/> whose inner exceptions each name a file.
    /// </summary>
    public static void ThrowIfNotDurable(List<Exception> errors)
    {
        if (errors.Count == 1)
        {
            throw errors[0];
        }

        if (errors.Count > 1)
        {
            throw new AggregateException("Data of several files is not durable; each inner exception names one.", errors);
        }
    }

    [DoesNotReturn]
    public static void ThrowNegative(long value, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, value, $"'{paramName}' must be non-negative, but it is {value}.");

    [DoesNotReturn]
    public static void ThrowRangeOverflow(long fileOffset, long byteCount, string paramName) =>
        throw new ArgumentOutOfRangeException(
            paramName,
            byteCount,
            $"The range of {byteCount} bytes at file offset {fileOffset} ends past the largest file offset ({long.MaxValue}).");

    [DoesNotReturn]
    public static void ThrowNotWritable(string fileName) =>
        throw new NotSupportedException($"The handle to '{fileName}' was opened read-only; it does not support writing.");
}
