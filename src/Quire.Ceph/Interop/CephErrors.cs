// CephErrors: turns a negative errno from librados or librbd into the exception a local file
// would give for the same errno, with the errno as HResult (as .NET's file APIs do), so the
// cache classifies it as it classifies a disk's (no space, I/O error, ...).
//
// Locking: stateless.

using System.Runtime.InteropServices;

namespace Quire.Ceph.Interop;

internal static class CephErrors
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EIO = 5;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int ETIMEDOUT = 110;
    public const int EDQUOT = 122;

    /// <summary>The exception for <paramref name="result"/> (a negative errno) of <paramref name="operation"/> on <paramref name="target"/>.</summary>
    public static Exception ToException(int result, string operation, string target)
    {
        int errno = -result;
        string message = $"Ceph: {operation} '{target}' failed: {Describe(errno)}.";
        return errno switch
        {
            ENOENT => new FileNotFoundException(message, target) { HResult = errno },
            EACCES or EPERM => new UnauthorizedAccessException(message) { HResult = errno },
            _ => new IOException(message, errno),
        };
    }

    /// <summary>Throws <see cref="ToException"/> if <paramref name="result"/> is negative; returns it otherwise.</summary>
    public static long ThrowIfFailed(long result, string operation, string target) =>
        result < 0 ? throw ToException((int)result, operation, target) : result;

    private static string Describe(int errno) => errno switch
    {
        ETIMEDOUT => $"the cluster did not answer in time (errno {errno}, ETIMEDOUT)",
        _ => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})",
    };
}
