// EngineSnapshot: an engine's counters at one moment. Null means the engine cannot tell.
//
// Locking: immutable.

namespace Quire.Cli.Bench.Engines;

internal sealed record EngineSnapshot
{
    public required long DeviceReadBytes { get; init; }

    public required long DeviceWrittenBytes { get; init; }

    public long? WriteIos { get; init; }

    public long? DirtyBytes { get; init; }

    public long? Hits { get; init; }

    public long? Misses { get; init; }

    public long? ThrottlePauses { get; init; }

    public long? BackgroundThresholdBytes { get; init; }

    public long? DirtyLimitBytes { get; init; }

    /// <summary>The cache's own statistics (the quire engine only).</summary>
    public PageCacheStatistics? Statistics { get; init; }
}
