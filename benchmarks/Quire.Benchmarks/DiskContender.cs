// DiskContender: one contender of a disk-bound question for DiskRounds: what it does in a round
// (timed), what it does before and after (untimed: making the cache cold, opening and closing
// files), how much work a round is, which contender of the same question is its baseline, which
// others it is also compared with (references, e.g. the device's raw bandwidth), and where it
// records the latency of each operation.

namespace Quire.Benchmarks;

internal sealed record DiskContender
{
    /// <summary>The contender's name, as the report shows it (e.g. QuireDirectRead).</summary>
    public required string Name { get; init; }

    /// <summary>The setting the comparison holds fixed, as Name=value (e.g. Threads=4), or empty.</summary>
    public string Parameters { get; init; } = "";

    /// <summary>The name of the baseline this contender is compared with (same Parameters), or null for a baseline.</summary>
    public string? BaselineName { get; init; }

    /// <summary>
    /// Other contenders of the question this one is also compared with, round by round: each name
    /// matches a contender with the same Parameters or with none (a reference for every parameter).
    /// </summary>
    public IReadOnlyList<string> References { get; init; } = [];

    /// <summary>Where the round records each operation's latency, or null if it does not.</summary>
    public LatencyLog? Latencies { get; init; }

    /// <summary>Untimed work before each round.</summary>
    public Action BeforeRound { get; init; } = static () => { };

    /// <summary>The timed work of one round.</summary>
    public required Action Round { get; init; }

    /// <summary>Untimed work after each round.</summary>
    public Action AfterRound { get; init; } = static () => { };

    /// <summary>The units of the question's rate one round performs: reads for IOPS, MiB for MiB/s.</summary>
    public required double UnitsPerRound { get; init; }

    /// <summary>The operations (reads or writes the application makes) in a round, for bytes allocated per operation.</summary>
    public required long OperationsPerRound { get; init; }
}
