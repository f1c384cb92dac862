namespace Quire.Ceph.Interop;

/// <summary>What an <see cref="RbdOperation"/> asks librbd to do.</summary>
internal enum RbdOperationKind
{
    Read,
    Write,
    Flush,
}
