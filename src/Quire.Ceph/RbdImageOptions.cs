namespace Quire.Ceph;

/// <summary>How <see cref="CephCluster.OpenImage"/> opens an RBD image as a backing store.</summary>
public sealed class RbdImageOptions
{
    private readonly int _maxWritesInFlight = 8;

    /// <summary>
    /// The most writes the store keeps in flight at once. With more than one, a write returns once
    /// librbd has its own copy of the data, and the next <see cref="RbdBackingStore.Flush"/> waits
    /// for every write and reports any that failed (as an OS page cache reports a failed
    /// write-back at fsync; the cache then writes those pages again). With 1, each write waits for
    /// the cluster and throws its own failure. Default 8: a one-node cluster here takes about
    /// 400 µs per write, so a single page writer needs several writes in flight to keep it busy;
    /// the copies cost at most 8 clusters of memory. Measured with `quire bench --store rbd`
    /// (one-node cluster, in-memory OSD, 32 MiB pool, three runs each, docs/CEPH.md): random 4 KiB
    /// writes over 512 MiB, 1,347 writes/s with 8 against 653 with 1 (2.1x); sequential 64 KiB
    /// writes, whose clusters are already 1 MiB, 4,956 against 5,440 (0.91x, within the runs'
    /// spread). From 1 to 64.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [1, 64].</exception>
    public int MaxWritesInFlight
    {
        get => _maxWritesInFlight;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 64);
            _maxWritesInFlight = value;
        }
    }
}
