// DiskQuestionResult: what DiskRounds measured for one disk-bound question, written as JSON
// (disk-<question>.json) for the report.

namespace Quire.Benchmarks;

public sealed record DiskQuestionResult
{
    public required string Question { get; init; }

    /// <summary>The rate's unit: IOPS or MiB/s. Higher is better.</summary>
    public required string Unit { get; init; }

    /// <summary>The lowest acceptable ratio of a Quire contender's rate to its baseline's, or null.</summary>
    public double? Target { get; init; }

    /// <summary>The lowest acceptable ratio of a Quire contender's rate to a reference's, by reference name.</summary>
    public Dictionary<string, double> ReferenceTargets { get; init; } = [];

    public required int WarmupRounds { get; init; }

    public required int MeasuredRounds { get; init; }

    public required List<DiskContenderResult> Contenders { get; init; }
}
