// LatencySummary: the latency percentiles of one contender's operations over its measured
// rounds, written with its DiskContenderResult.

namespace Quire.Benchmarks;

public sealed record LatencySummary
{
    public required long Operations { get; init; }

    public required double P50Microseconds { get; init; }

    public required double P99Microseconds { get; init; }

    public required double P999Microseconds { get; init; }

    public required double MaxMicroseconds { get; init; }
}
