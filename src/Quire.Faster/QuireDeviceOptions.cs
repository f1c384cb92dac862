// QuireDeviceOptions: how a QuireDevice lays out and completes FASTER's I/O. Validated by the
// device's constructor, against its cache's page size.
//
// Locking: immutable once built (init-only properties).

using FASTER.core;

namespace Quire.Faster;

/// <summary>Options of a <see cref="QuireDevice"/>; every default says where it comes from.</summary>
public sealed class QuireDeviceOptions
{
    /// <summary>The default <see cref="SectorSizeBytes"/>.</summary>
    public const uint DefaultSectorSizeBytes = 512;

    /// <summary>
    /// The sector size the device reports to FASTER: FASTER aligns every read and write, their
    /// file offsets and lengths, to it, and the device refuses I/O that is not aligned. A power of
    /// two from 512 to the cache's page size. Default 512: what FASTER's own devices report on
    /// Linux (ManagedLocalStorageDevice assumes 512-byte sectors), so a store's record reads are as
    /// small as with them; Quire caches whole pages and reads a partly covered sector only when it
    /// is not cached.
    /// </summary>
    public uint SectorSizeBytes { get; init; } = DefaultSectorSizeBytes;

    /// <summary>
    /// Whether reads of a segment use Quire's read-ahead. Default false: FASTER reads the records it
    /// misses in memory at random addresses, so a read-ahead window fills the pool with neighbouring
    /// pages nobody asked for (each segment's handle is advised <see cref="FileAdvice.Random"/>).
    /// Turn it on for stores that scan the log (iteration, compaction, recovery of large logs).
    /// </summary>
    public bool ReadAhead { get; init; }

    /// <summary>
    /// Whether a write completes only once it is durable. Default true: FASTER treats a completed
    /// write as on the device (its own devices open segments write-through) and builds its
    /// checkpoints and commits on that; each segment's durable flushes are batched (group commit).
    /// False completes a write once its bytes are in the cache, and nothing is durable before Quire
    /// writes it back or the device is disposed: only for stores rebuilt from elsewhere after a
    /// crash (a cache tier), never with checkpoints you recover from.
    /// </summary>
    public bool DurableWrites { get; init; } = true;

    /// <summary>Whether disposing the device deletes its segment files, as FASTER's deleteOnClose does. Default false, as FASTER's.</summary>
    public bool DeleteOnClose { get; init; }

    /// <summary>
    /// The most bytes the device holds, a multiple of the segment size, or
    /// <see cref="Devices.CAPACITY_UNSPECIFIED"/> (-1, the default, as FASTER's) for no limit; when a
    /// write starts a new segment past the capacity, FASTER's base device removes the oldest ones.
    /// </summary>
    public long CapacityBytes { get; init; } = Devices.CAPACITY_UNSPECIFIED;

    // CA2208: the exceptions name the option that is wrong, which the caller set, rather than a
    // parameter of this method.
#pragma warning disable CA2208
    internal void Validate(int pageSizeBytes)
    {
        if (SectorSizeBytes < DefaultSectorSizeBytes || SectorSizeBytes > (uint)pageSizeBytes || !uint.IsPow2(SectorSizeBytes))
        {
            throw new ArgumentOutOfRangeException(nameof(SectorSizeBytes), SectorSizeBytes, $"'{nameof(SectorSizeBytes)}' must be a power of two from {DefaultSectorSizeBytes} to the cache's page size {pageSizeBytes}, but it is {SectorSizeBytes}.");
        }

        if (CapacityBytes != Devices.CAPACITY_UNSPECIFIED && CapacityBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CapacityBytes), CapacityBytes, $"'{nameof(CapacityBytes)}' must be positive or Devices.CAPACITY_UNSPECIFIED (-1), but it is {CapacityBytes}.");
        }
    }
#pragma warning restore CA2208
}
