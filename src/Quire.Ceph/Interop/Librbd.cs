// Librbd: the calls of librbd (RADOS block devices, librbd.so.1) that an image store needs.
// Calls return 0 (or a byte count) or a negative errno. Asynchronous calls take a completion
// made by CreateCompletion, whose callback librbd invokes on one of its own threads.
//
// Locking: stateless; librbd serializes what it must per image.

using System.Runtime.InteropServices;

namespace Quire.Ceph.Interop;

internal static unsafe partial class Librbd
{
    /// <summary>RBD_LOCK_MODE_EXCLUSIVE.</summary>
    public const int LockModeExclusive = 0;

    /// <summary>RBD_FEATURE_EXCLUSIVE_LOCK.</summary>
    public const ulong FeatureExclusiveLock = 1UL << 2;

    private const string Library = "librbd.so.1";

    [LibraryImport(Library, EntryPoint = "rbd_open", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(IntPtr ioContext, string name, out IntPtr image, string? snapshotName);

    [LibraryImport(Library, EntryPoint = "rbd_open_read_only", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenReadOnly(IntPtr ioContext, string name, out IntPtr image, string? snapshotName);

    [LibraryImport(Library, EntryPoint = "rbd_close")]
    public static partial int Close(IntPtr image);

    [LibraryImport(Library, EntryPoint = "rbd_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Create(IntPtr ioContext, string name, ulong byteCount, ref int order);

    [LibraryImport(Library, EntryPoint = "rbd_remove", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Remove(IntPtr ioContext, string name);

    [LibraryImport(Library, EntryPoint = "rbd_get_size")]
    public static partial int GetSize(IntPtr image, out ulong byteCount);

    [LibraryImport(Library, EntryPoint = "rbd_get_features")]
    public static partial int GetFeatures(IntPtr image, out ulong features);

    [LibraryImport(Library, EntryPoint = "rbd_resize")]
    public static partial int Resize(IntPtr image, ulong byteCount);

    [LibraryImport(Library, EntryPoint = "rbd_lock_acquire")]
    public static partial int AcquireLock(IntPtr image, int lockMode);

    [LibraryImport(Library, EntryPoint = "rbd_read")]
    public static partial nint Read(IntPtr image, ulong fileOffset, nuint byteCount, byte* buffer);

    [LibraryImport(Library, EntryPoint = "rbd_write")]
    public static partial nint Write(IntPtr image, ulong fileOffset, nuint byteCount, byte* buffer);

    [LibraryImport(Library, EntryPoint = "rbd_flush")]
    public static partial int Flush(IntPtr image);

    [LibraryImport(Library, EntryPoint = "rbd_aio_create_completion")]
    public static partial int CreateCompletion(IntPtr callbackArgument, delegate* unmanaged<IntPtr, IntPtr, void> callback, out IntPtr completion);

    [LibraryImport(Library, EntryPoint = "rbd_aio_readv")]
    public static partial int ReadVectorAsync(IntPtr image, IoVector* vectors, int vectorCount, ulong fileOffset, IntPtr completion);

    [LibraryImport(Library, EntryPoint = "rbd_aio_writev")]
    public static partial int WriteVectorAsync(IntPtr image, IoVector* vectors, int vectorCount, ulong fileOffset, IntPtr completion);

    [LibraryImport(Library, EntryPoint = "rbd_aio_flush")]
    public static partial int FlushAsync(IntPtr image, IntPtr completion);

    [LibraryImport(Library, EntryPoint = "rbd_is_exclusive_lock_owner")]
    public static partial int IsExclusiveLockOwner(IntPtr image, out int isOwner);

    [LibraryImport(Library, EntryPoint = "rbd_aio_get_return_value")]
    public static partial nint GetReturnValue(IntPtr completion);

    [LibraryImport(Library, EntryPoint = "rbd_aio_release")]
    public static partial void ReleaseCompletion(IntPtr completion);

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVector
    {
        public void* Base;
        public nuint Length;
    }
}
