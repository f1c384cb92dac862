// IOErrorKinds: maps a backing store's exception to the portable IOErrorKind, and says which
// kinds retrying cannot heal.
//
// Locking: stateless.

namespace Quire.Internal;

internal static class IOErrorKinds
{
    // errno values on Linux; .NET keeps the errno as the HResult of the IOException it throws.
    private const int EPERM = 1;
    private const int EACCES = 13;
    private const int EFBIG = 27;
    private const int ENOSPC = 28;
    private const int EROFS = 30;
    private const int EDQUOT = 122;

    public static IOErrorKind Classify(Exception? exception) => exception?.HResult switch
    {
        ENOSPC => IOErrorKind.NoSpace,
        EDQUOT => IOErrorKind.QuotaExceeded,
        EFBIG => IOErrorKind.TooLarge,
        EROFS => IOErrorKind.ReadOnlyFileSystem,
        EACCES or EPERM => IOErrorKind.PermissionDenied,
        _ => IOErrorKind.IOError,
    };

    /// <summary>
    /// Whether retrying cannot heal a failure of <paramref name="kind"/>: the store refuses the
    /// operation as such (a size past its largest, a read-only file system, no permission), where
    /// an I/O error or a full device may pass.
    /// </summary>
    public static bool IsPermanent(IOErrorKind kind) => kind is IOErrorKind.TooLarge or IOErrorKind.ReadOnlyFileSystem or IOErrorKind.PermissionDenied;
}
