namespace Quire.Ceph;

/// <summary>The byte range of a read or write an <see cref="RbdBackingStore"/> has in flight; compared by reference.</summary>
internal sealed record RbdOperationRange(long FileOffset, long ByteCount, bool IsWrite)
{
    public bool Overlaps(RbdOperationRange other) =>
        FileOffset < other.FileOffset + other.ByteCount && other.FileOffset < FileOffset + ByteCount;

    public bool Equals(RbdOperationRange? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
