// BenchWorkload: the workloads `quire bench` and `quire top` run, and their names on the command
// line. What each does is in WorkloadPlan (sizes) and BenchRunner (operations).

using System.CommandLine.Parsing;

namespace Quire.Cli.Bench;

internal enum BenchWorkload
{
    /// <summary>A file 4x the pool written front to back in 64 KiB writes, then flushed.</summary>
    SeqWrite,

    /// <summary>Page-sized writes at random page offsets of a file 2x the pool, then a flush.</summary>
    RandWrite,

    /// <summary>A file 4x the pool read front to back in 64 KiB reads from a cold cache.</summary>
    SeqRead,

    /// <summary>Page-sized reads at random offsets of a file half the pool, after a warm-up pass.</summary>
    RandReadHot,

    /// <summary>Page-sized zipfian reads of a file 4x the pool, from a cold cache.</summary>
    RandReadZipf,

    /// <summary>YCSB-A-like: 50 % reads, 50 % updates of zipfian pages of a file 4x the pool, then a flush.</summary>
    Mixed,

    /// <summary>Random reads of a hot set (a quarter of the pool) while one thread scans a file 10x the pool.</summary>
    ScanResistance,

    /// <summary>A small file appended and flushed every 5 ms while another thread writes a file 4x the pool.</summary>
    FsyncLatency,

    /// <summary>Writers as fast as they can go into a file 4x the pool: dirty bytes and pauses over time.</summary>
    Throttle,

    /// <summary>A database: page updates at random pages of a file 4x the pool, made durable every --flush-every bytes, as a WAL checkpoint does.</summary>
    Checkpoint,

    /// <summary>An index: segments of mixed sizes written as new files, flushed at each commit, the oldest deleted so the total stays at 4x the pool.</summary>
    ManyFiles,
}

/// <summary>The command-line names of the workloads.</summary>
internal static class BenchWorkloads
{
    private static readonly (BenchWorkload Workload, string Name)[] s_names =
    [
        (BenchWorkload.SeqWrite, "seq-write"),
        (BenchWorkload.RandWrite, "rand-write"),
        (BenchWorkload.SeqRead, "seq-read"),
        (BenchWorkload.RandReadHot, "rand-read-hot"),
        (BenchWorkload.RandReadZipf, "rand-read-zipf"),
        (BenchWorkload.Mixed, "mixed"),
        (BenchWorkload.ScanResistance, "scan-resistance"),
        (BenchWorkload.FsyncLatency, "fsync-latency"),
        (BenchWorkload.Throttle, "throttle"),
        (BenchWorkload.Checkpoint, "checkpoint"),
        (BenchWorkload.ManyFiles, "many-files"),
    ];

    public static IEnumerable<string> Names => s_names.Select(pair => pair.Name);

    public static string Name(this BenchWorkload workload) => s_names.First(pair => pair.Workload == workload).Name;

    /// <summary>The workload named <paramref name="name"/>; the command's validator has checked it.</summary>
    public static BenchWorkload Parse(string? name) =>
        TryParse(name, out BenchWorkload workload) ? workload : throw new ArgumentException($"'{name}' is not a workload.", nameof(name));

    /// <summary>A validator: the token must name a workload; the error names <paramref name="name"/>.</summary>
    public static void RequireName(SymbolResult result, string name)
    {
        ArgumentNullException.ThrowIfNull(result);
        string? value = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
        if (result.Tokens.Count > 0 && !TryParse(value, out _))
        {
            result.AddError($"{name} must be one of {string.Join(", ", Names)}, but it is '{value}'.");
        }
    }

    public static bool TryParse(string? name, out BenchWorkload workload)
    {
        foreach ((BenchWorkload candidate, string candidateName) in s_names)
        {
            if (string.Equals(candidateName, name, StringComparison.Ordinal))
            {
                workload = candidate;
                return true;
            }
        }

        workload = default;
        return false;
    }
}
