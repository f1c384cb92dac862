// RbdImageHandle: owns an open RBD image (rbd_image_t) and the I/O context (rados_ioctx_t) it
// was opened in, and holds a reference on the cluster connection; releasing it closes the image
// (which releases its exclusive lock), destroys the context, then drops the reference.

using Microsoft.Win32.SafeHandles;

namespace Quire.Ceph.Interop;

internal sealed class RbdImageHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly IntPtr _ioContext;
    private readonly RadosClusterHandle _cluster;

    /// <summary>Takes ownership of <paramref name="image"/> and <paramref name="ioContext"/>; the caller has added a reference to <paramref name="cluster"/>.</summary>
    public RbdImageHandle(IntPtr image, IntPtr ioContext, RadosClusterHandle cluster)
        : base(ownsHandle: true)
    {
        SetHandle(image);
        _ioContext = ioContext;
        _cluster = cluster;
    }

    protected override bool ReleaseHandle()
    {
        int closed = Librbd.Close(handle);
        Librados.DestroyIoContext(_ioContext);
        _cluster.DangerousRelease();
        return closed == 0;
    }
}
