// IOErrorKinds: maps a backing store's exception to the portable IOErrorKind.
//
// Locking: stateless.

namespace Quire.Internal;

internal static class IOErrorKinds
{
    // errno values on Linux; .NET keeps the errno as the HResult of the IOException it throws.
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;
    private const int EFBIG = 27;

    public static IOErrorKind Classify(Exception? exception) => exception?.HResult switch
    {
        ENOSPC => IOErrorKind.NoSpace,
        EDQUOT => IOErrorKind.QuotaExceeded,
        EFBIG => IOErrorKind.TooLarge,
        _ => IOErrorKind.IOError,
    };
}
