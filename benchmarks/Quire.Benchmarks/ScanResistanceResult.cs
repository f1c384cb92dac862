// ScanResistanceResult: one run of the scan-resistance measurement (ScanResistance writes it as
// JSON; the report reads it).

namespace Quire.Benchmarks;

public sealed record ScanResistanceResult
{
    public long PoolBytes { get; init; }

    public long HotBytes { get; init; }

    public long ScanBytes { get; init; }

    /// <summary>The size of each of the scan's reads.</summary>
    public int ScanReadBytes { get; init; }

    /// <summary>The advice the scan's handle was given: Normal (read-ahead on) or Random (off).</summary>
    public string ScanAdvice { get; init; } = "";

    public long HotReads { get; init; }

    public long HotHits { get; init; }

    public long HotMisses { get; init; }

    public long HotPages { get; init; }

    public long HotPagesResidentAtEnd { get; init; }

    public long Evictions { get; init; }

    public long Promotions { get; init; }

    public long Deactivations { get; init; }

    /// <summary>The hot reads' hit ratio: hits / (hits + misses) over the bursts of hot reads.</summary>
    public double HotHitRatio => HotHits + HotMisses == 0 ? 0 : (double)HotHits / (HotHits + HotMisses);
}
