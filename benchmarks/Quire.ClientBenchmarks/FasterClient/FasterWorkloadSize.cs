// FasterWorkloadSize: how much work one FASTER run does, and the store's shape.

namespace Quire.ClientBenchmarks.FasterClient;

internal sealed record FasterWorkloadSize(long Records)
{
    /// <summary>Operations of each YCSB-like mix (50/50 and 95/5 reads/updates).</summary>
    public long MixOperations { get; init; } = Records;

    /// <summary>Uniform random reads after a restart, with nothing cached.</summary>
    public long ColdReads { get; init; } = Records / 5;

    /// <summary>FASTER's in-memory hybrid log: 32 MiB (2^25), the size the first measurements used.</summary>
    public int MemorySizeBits { get; init; } = 25;

    /// <summary>1 MiB log pages (2^20): each page FASTER closes is one device write.</summary>
    public int PageSizeBits { get; init; } = 20;

    /// <summary>64 MiB segments (2^26): a log of a few hundred MiB spans several segment files.</summary>
    public int SegmentSizeBits { get; init; } = 26;

    /// <summary>Reads left pending before the workload completes them: FASTER's device sees this queue depth.</summary>
    public int MaxPendingReads { get; init; } = 64;
}
