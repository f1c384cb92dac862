// BenchSettings: one run of `quire bench` or `quire top` as the command line asked for it, every
// value already checked by the command.
//
// Locking: immutable.

namespace Quire.Cli.Bench;

internal sealed record BenchSettings
{
    // 10 s: long enough for the page writer and the OS flusher to reach a steady state, short
    // enough that four engines finish in under a minute.
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(10);

    // 16 MiB: one PostgreSQL WAL segment, a common amount of log between a database's durable
    // flushes of its data pages (SQLite's default auto-checkpoint is 1000 pages, 4 MiB).
    public const long DefaultFlushEveryBytes = 16L << 20;

    public required BenchWorkload Workload { get; init; }

    /// <summary>
    /// The pool the workload's file sizes are multiples of, and Quire's pool; with a memory budget,
    /// the budget (Quire's pool is then <see cref="EnginePoolBytes"/>).
    /// </summary>
    public required long PoolBytes { get; init; }

    /// <summary>Quire's pool when it differs from <see cref="PoolBytes"/>: the budget minus the measured baseline, set in the budgeted child.</summary>
    public long? EnginePoolBytes { get; init; }

    /// <summary>Run each engine in a process of its own inside a memory cgroup of this many bytes (--memory-budget), or null.</summary>
    public long? MemoryBudgetBytes { get; init; }

    /// <summary>The checkpoint workload's bytes written between durable flushes (--flush-every).</summary>
    public long FlushEveryBytes { get; init; } = DefaultFlushEveryBytes;

    /// <summary>
    /// The fraction of memory that may be dirty (--dirty-ratio), with half of it the background
    /// threshold, as Linux's defaults are 20 % and 10 %: Quire's DirtyRatio and, with a memory
    /// budget, the OS's dirty limits during the os and mmap engines' runs. Null: each engine's own.
    /// </summary>
    public double? DirtyRatio { get; init; }

    /// <summary>The quire engine's MaxWritesInFlight on local files (--writes-in-flight). Null: the cache's default.</summary>
    public int? WritesInFlight { get; init; }

    /// <summary>The main file's size, or null for the workload's default multiple of the pool.</summary>
    public long? FileBytes { get; init; }

    public required int PageSize { get; init; }

    public int Threads { get; init; } = 1;

    /// <summary>The time limit of each engine's run; null when only <see cref="Operations"/> limits it.</summary>
    public TimeSpan? Duration { get; init; } = DefaultDuration;

    /// <summary>The operation limit of each engine's run (counted operations, see WorkloadPlan), or null.</summary>
    public long? Operations { get; init; }

    public int Seed { get; init; } = 1;

    public required IReadOnlyList<string> Engines { get; init; }

    /// <summary>An existing directory for the files, or null for a new one under the temporary directory (/var/tmp with a memory budget).</summary>
    public string? Directory { get; init; }

    public ColdCacheMethod ColdCache { get; init; } = ColdCacheMethod.Auto;

    /// <summary>The RBD images to run over instead of local files (--store rbd:POOL/IMAGE), or null.</summary>
    public Storage.RbdTarget? Rbd { get; init; }

    /// <summary>The engine every ratio is taken over: librbd over RBD, the OS page cache over local files.</summary>
    /// <summary>Quire's pool in this process.</summary>
    public long QuirePoolBytes => EnginePoolBytes ?? PoolBytes;

    public string BaselineEngine => Rbd is null ? Quire.Cli.Bench.Engines.OsEngine.EngineName : Quire.Cli.Bench.Engines.RbdEngine.EngineName;
}
