// Librados: the calls of librados (Ceph's object store client, librados.so.2) that a cluster
// connection needs. Every call returns 0 or a negative errno, unless it returns void.
//
// Locking: stateless; librados handles are thread-safe once connected.

using System.Runtime.InteropServices;

namespace Quire.Ceph.Interop;

internal static partial class Librados
{
    private const string Library = "librados.so.2";

    [LibraryImport(Library, EntryPoint = "rados_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Create(out IntPtr cluster, string? clientId);

    [LibraryImport(Library, EntryPoint = "rados_conf_read_file", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ReadConfigurationFile(IntPtr cluster, string? path);

    [LibraryImport(Library, EntryPoint = "rados_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetOption(IntPtr cluster, string option, string value);

    [LibraryImport(Library, EntryPoint = "rados_connect")]
    public static partial int Connect(IntPtr cluster);

    [LibraryImport(Library, EntryPoint = "rados_shutdown")]
    public static partial void Shutdown(IntPtr cluster);

    [LibraryImport(Library, EntryPoint = "rados_ioctx_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int CreateIoContext(IntPtr cluster, string poolName, out IntPtr ioContext);

    [LibraryImport(Library, EntryPoint = "rados_ioctx_destroy")]
    public static partial void DestroyIoContext(IntPtr ioContext);
}
