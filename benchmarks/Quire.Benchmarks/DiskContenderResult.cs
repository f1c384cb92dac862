// DiskContenderResult: one contender's measurements in a DiskQuestionResult: its rate in every
// measured round and, for a non-baseline, its rate over its baseline's and its references' in the
// same round, and its operations' latency percentiles if it recorded them.

namespace Quire.Benchmarks;

public sealed record DiskContenderResult
{
    public required string Name { get; init; }

    public required string Parameters { get; init; }

    public string? BaselineName { get; init; }

    /// <summary>The rate of each measured round, in the question's unit.</summary>
    public required double[] Rates { get; init; }

    /// <summary>This contender's rate over its baseline's in the same round; empty for a baseline.</summary>
    public required double[] RatiosToBaseline { get; init; }

    /// <summary>This contender's rate over each reference's in the same round, by reference name.</summary>
    public Dictionary<string, double[]> RatiosToReferences { get; init; } = [];

    /// <summary>The latency of its operations over the measured rounds, or null if not recorded.</summary>
    public LatencySummary? Latency { get; init; }

    /// <summary>Managed bytes allocated per operation over the measured rounds (all threads).</summary>
    public required double AllocatedBytesPerOperation { get; init; }
}
