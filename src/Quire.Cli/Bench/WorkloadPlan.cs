// WorkloadPlan: the sizes and steps of one workload, derived from the settings: which files, how
// large, what is prepared before the timed phase (prefill, cold cache, warm-up), what one counted
// operation is, and whether the run ends with a flush.
//
// Sizes: every file is a multiple of the sequential I/O size, so sequential workers never issue a
// short last write; random operations are one page at a page-aligned offset, so O_DIRECT takes
// them as they are.
// Locking: immutable.

using static System.FormattableString;

namespace Quire.Cli.Bench;

internal sealed record WorkloadPlan
{
    // 64 KiB: the size of a sequential read or write, a common application buffer and the size
    // Linux's read-ahead starts with (128 KiB max); a page when pages are larger.
    private const int DefaultSequentialIoBytes = 64 << 10;

    // 5 ms: how often fsync-latency appends and flushes its small file (a log committing 200 times
    // a second).
    public static readonly TimeSpan AppendInterval = TimeSpan.FromMilliseconds(5);

    // 256 pages: the small file of fsync-latency; appends wrap around within it, so its size does
    // not grow with the run's length and mmap can map it up front.
    private const int SmallFilePages = 256;

    public required BenchWorkload Workload { get; init; }

    /// <summary>The main file: written, read or scanned; for many-files, the most the live segment files may hold in all.</summary>
    public required long DataFileBytes { get; init; }

    /// <summary>The workload writes segment files of its own (many-files) instead of the main file.</summary>
    public bool WritesSegments => Workload == BenchWorkload.ManyFiles;

    /// <summary>The workload writes, so the device's write bandwidth is its reference.</summary>
    public bool Writes => Workload is not (BenchWorkload.SeqRead or BenchWorkload.RandReadHot or BenchWorkload.RandReadZipf or BenchWorkload.ScanResistance);

    /// <summary>The workload makes its writes durable as it runs (a checkpoint, a commit), so flush latencies are measured.</summary>
    public bool FlushesAsItRuns => Workload is BenchWorkload.Checkpoint or BenchWorkload.ManyFiles;

    /// <summary>
    /// The data file is written over and over, from its start again past its end, for the whole
    /// run (fsync-latency's large writer): what is measured beside it is the steady state, not the
    /// second or so that one pass takes while the OS still absorbs it in memory.
    /// </summary>
    public bool RewritesDataFile => Workload is BenchWorkload.FsyncLatency;

    /// <summary>The second file (scan-resistance's hot set, fsync-latency's appended file), or 0.</summary>
    public required long SecondFileBytes { get; init; }

    public required int SequentialIoBytes { get; init; }

    public required int PageSize { get; init; }

    /// <summary>The data file is written with content before the engines run (else it is created sparse for each engine).</summary>
    public required bool PrefillData { get; init; }

    /// <summary>The OS page cache is emptied of the files before each engine's run.</summary>
    public required bool ColdStart { get; init; }

    /// <summary>The read set is read once, untimed, before the timed phase.</summary>
    public required bool WarmUp { get; init; }

    /// <summary>The run ends with a flush of the written files, timed as part of the run.</summary>
    public required bool FlushAtEnd { get; init; }

    /// <summary>What one counted operation is, e.g. "64 KiB writes".</summary>
    public required string OperationName { get; init; }

    /// <summary>What the run does, in a sentence.</summary>
    public required string Description { get; init; }

    public static WorkloadPlan For(BenchSettings settings)
    {
        int sequential = Math.Max(DefaultSequentialIoBytes, settings.PageSize);
        long pool = settings.PoolBytes;
        long FileOr(long poolMultiple) => RoundDown(settings.FileBytes ?? poolMultiple, sequential);
        string page = Invariant($"{settings.PageSize / 1024} KiB");
        string seq = Invariant($"{sequential / 1024} KiB");
        return settings.Workload switch
        {
            BenchWorkload.SeqWrite => Plan(FileOr(4 * pool), 0, prefill: false, cold: false, warm: false, flush: true, Invariant($"{seq} writes"), "writes a new file front to back, then flushes it"),
            BenchWorkload.RandWrite => Plan(FileOr(2 * pool), 0, prefill: true, cold: true, warm: false, flush: true, Invariant($"{page} writes"), "writes pages at random offsets of an existing file, then flushes it"),
            BenchWorkload.SeqRead => Plan(FileOr(4 * pool), 0, prefill: true, cold: true, warm: false, flush: false, Invariant($"{seq} reads"), "reads a file front to back from a cold cache"),
            BenchWorkload.RandReadHot => Plan(FileOr(pool / 2), 0, prefill: true, cold: true, warm: true, flush: false, Invariant($"{page} reads"), "reads pages at random offsets of a file that fits in the pool, after a warm-up pass"),
            BenchWorkload.RandReadZipf => Plan(FileOr(4 * pool), 0, prefill: true, cold: true, warm: false, flush: false, Invariant($"{page} reads"), "reads zipfian-distributed pages (skew 0.99) of a file larger than the pool, from a cold cache"),
            BenchWorkload.Mixed => Plan(FileOr(4 * pool), 0, prefill: true, cold: true, warm: false, flush: true, Invariant($"{page} reads and updates"), "reads (50 %) and updates (50 %) zipfian-distributed pages, YCSB-A-like, then flushes"),
            BenchWorkload.ScanResistance => Plan(FileOr(10 * pool), RoundDown(pool / 4, sequential), prefill: true, cold: true, warm: true, flush: false, Invariant($"{page} reads of the hot set"), "reads a hot set at random while one more thread scans a file 10x the pool once"),
            BenchWorkload.FsyncLatency => Plan(FileOr(4 * pool), (long)SmallFilePages * settings.PageSize, prefill: false, cold: false, warm: false, flush: false, Invariant($"{page} appends + flush"), Invariant($"appends a page to a small file and flushes it every {AppendInterval.TotalMilliseconds:0} ms while the other threads write a large file over and over")),
            BenchWorkload.Checkpoint => Plan(FileOr(4 * pool), 0, prefill: true, cold: true, warm: false, flush: true, Invariant($"{page} updates"), Invariant($"updates pages at random offsets of an existing file and makes them durable every {BenchReport.FormatBytes(settings.FlushEveryBytes)} written, as a database's checkpoint does")),
            BenchWorkload.ManyFiles => Plan(FileOr(4 * pool), 0, prefill: false, cold: false, warm: false, flush: true, Invariant($"{seq} writes"), Invariant($"writes segments of {BenchReport.FormatBytes(SegmentWriter.MinSegmentBytes)} to {BenchReport.FormatBytes(SegmentWriter.MaxSegmentBytes)} as new files, flushes the new ones every {SegmentWriter.SegmentsPerCommit} segments (a commit) and deletes the oldest so that at most the data size stays, as a search index does")),
            BenchWorkload.Throttle => Plan(FileOr(4 * pool), 0, prefill: false, cold: false, warm: false, flush: true, Invariant($"{seq} writes"), "writes a new file as fast as the writers can go, then flushes it"),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Workload, "Unknown workload."),
        };

        WorkloadPlan Plan(long data, long second, bool prefill, bool cold, bool warm, bool flush, string operation, string description) => new()
        {
            Workload = settings.Workload,
            DataFileBytes = Math.Max(data, sequential),
            SecondFileBytes = second == 0 ? 0 : Math.Max(second, sequential),
            SequentialIoBytes = sequential,
            PageSize = settings.PageSize,
            PrefillData = prefill,
            ColdStart = cold,
            WarmUp = warm,
            FlushAtEnd = flush,
            OperationName = operation,
            Description = description,
        };
    }

    private static long RoundDown(long value, long multiple) => value / multiple * multiple;
}
