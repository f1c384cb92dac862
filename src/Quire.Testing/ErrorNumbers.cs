// ErrorNumbers: the Linux errno of each IOErrorKind, which .NET keeps as an IOException's HResult
// and Quire classifies back into the kind.
//
// Locking: stateless.

namespace Quire.Testing;

internal static class ErrorNumbers
{
    public const int IOError = 5;
    public const int TooLarge = 27;
    public const int NoSpace = 28;
    public const int QuotaExceeded = 122;
    public const int ReadOnlyFileSystem = 30;
    public const int PermissionDenied = 13;

    public static int Of(IOErrorKind kind) => kind switch
    {
        IOErrorKind.NoSpace => NoSpace,
        IOErrorKind.QuotaExceeded => QuotaExceeded,
        IOErrorKind.TooLarge => TooLarge,
        IOErrorKind.ReadOnlyFileSystem => ReadOnlyFileSystem,
        IOErrorKind.PermissionDenied => PermissionDenied,
        _ => IOError,
    };
}
