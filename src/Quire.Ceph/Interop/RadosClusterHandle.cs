// RadosClusterHandle: owns a librados cluster connection (rados_t); releasing it shuts the
// connection down. Stores opened through it add a reference, so the connection outlives them.

using Microsoft.Win32.SafeHandles;

namespace Quire.Ceph.Interop;

internal sealed class RadosClusterHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public RadosClusterHandle(IntPtr cluster)
        : base(ownsHandle: true) => SetHandle(cluster);

    protected override bool ReleaseHandle()
    {
        Librados.Shutdown(handle);
        return true;
    }
}
