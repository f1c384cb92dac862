// EngineResult: what one engine's run of a workload measured, and the figures the tables, JSON,
// CSV and charts show, with where each comes from. Null means the engine cannot tell ("n/a").
//
// Locking: immutable once the runner returns it.

namespace Quire.Cli.Bench;

internal sealed record EngineResult
{
    private const double MiB = 1 << 20;

    public required string Engine { get; init; }

    public required TimeSpan Elapsed { get; init; }

    /// <summary>Counted operations completed.</summary>
    public required long Operations { get; init; }

    /// <summary>Bytes the counted operations moved.</summary>
    public required long Bytes { get; init; }

    /// <summary>The latency of each counted operation.</summary>
    public required LatencyHistogram Latency { get; init; }

    /// <summary>How long the final flush took, when the workload ends with one.</summary>
    public TimeSpan? FlushTime { get; init; }

    public double? HitRatio { get; init; }

    public required string HitRatioSource { get; init; }

    public required long DeviceReadBytes { get; init; }

    public required long DeviceWrittenBytes { get; init; }

    public required string DeviceBytesSource { get; init; }

    public long? WriteIos { get; init; }

    public required string WriteIosSource { get; init; }

    public long? PeakDirtyBytes { get; init; }

    public required string DirtySource { get; init; }

    public long? ThrottlePauses { get; init; }

    /// <summary>The durable flushes made while the workload ran (checkpoints, commits), the final one included; null for workloads without them.</summary>
    public LatencyHistogram? FlushLatency { get; init; }

    /// <summary>The time writers spent paused by the dirty throttle over the writers' wall time (elapsed x writer threads); Quire only.</summary>
    public double? ThrottleShare { get; init; }

    /// <summary>The share of the elapsed time the device holding the files had I/O in flight.</summary>
    public double? DeviceBusy { get; init; }

    public string DeviceBusySource { get; init; } = "n/a";

    /// <summary>With a memory budget: the engine's process's memory when it was measured, before any cache existed.</summary>
    public long? MemoryBaselineBytes { get; init; }

    /// <summary>With a memory budget: the peak memory of the engine's cgroup, page cache included.</summary>
    public long? MemoryPeakBytes { get; init; }

    /// <summary>With a memory budget: Quire's pool, the budget minus the baseline and the headroom (quire only).</summary>
    public long? PoolBytes { get; init; }

    /// <summary>Bytes moved by the threads whose operations are not counted (the scanner, the large file's writers).</summary>
    public long BackgroundBytes { get; init; }

    /// <summary>Why the run ended: "end of file", "duration", "operation count" or "interrupted".</summary>
    public required string StoppedBy { get; init; }

    public bool Interrupted => StoppedBy == BenchRunner.StoppedByInterrupt;

    public required IReadOnlyList<BenchSample> Samples { get; init; }

    public double OperationsPerSecond => Elapsed <= TimeSpan.Zero ? 0 : Operations / Elapsed.TotalSeconds;

    public double MiBPerSecond => Elapsed <= TimeSpan.Zero ? 0 : Bytes / MiB / Elapsed.TotalSeconds;

    public double? AverageWriteBytes => WriteIos is > 0 ? (double)DeviceWrittenBytes / WriteIos.Value : null;

    /// <summary>
    /// The figures compared across engines, in table order, with whether more is better (null: no
    /// direction, e.g. bytes to the device). Latencies are in microseconds.
    /// </summary>
    public IReadOnlyList<(string Name, double? Value, bool? HigherIsBetter)> Figures() =>
    [
        ("ops/s", OperationsPerSecond, true),
        ("MiB/s", MiBPerSecond, true),
        ("p50 µs", Latency.PercentileNanoseconds(50) / 1e3, false),
        ("p99 µs", Latency.PercentileNanoseconds(99) / 1e3, false),
        ("p99.9 µs", Latency.PercentileNanoseconds(99.9) / 1e3, false),
        ("max µs", Latency.MaxNanoseconds / 1e3, false),
        ("hit ratio", HitRatio, true),
        ("device read MiB", DeviceReadBytes / MiB, null),
        ("device written MiB", DeviceWrittenBytes / MiB, null),
        ("write I/Os", WriteIos, null),
        ("avg write KiB", AverageWriteBytes / 1024, true),
        ("peak dirty MiB", PeakDirtyBytes / MiB, null),
        ("flushes", FlushLatency?.Count, null),
        ("flush p50 µs", FlushLatency is { Count: > 0 } f50 ? f50.PercentileNanoseconds(50) / 1e3 : null, false),
        ("flush p99 µs", FlushLatency is { Count: > 0 } f99 ? f99.PercentileNanoseconds(99) / 1e3 : null, false),
        ("flush max µs", FlushLatency is { Count: > 0 } fmax ? fmax.MaxNanoseconds / 1e3 : null, false),
        ("throttle time %", ThrottleShare * 100, false),
        ("device busy %", DeviceBusy * 100, null),
        ("device write MiB/s", Elapsed <= TimeSpan.Zero ? null : DeviceWrittenBytes / MiB / Elapsed.TotalSeconds, null),
        ("peak memory MiB", MemoryPeakBytes / MiB, null),
    ];
}
