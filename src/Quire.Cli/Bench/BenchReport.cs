// BenchReport: how `quire bench` prints: the run's header, a table per engine with each figure,
// its ratio to the baseline engine (the OS page cache, or librbd over RBD) and where the figure comes from, and a summary of the
// headline ratios. Cell text is never parsed as Spectre markup.
//
// Locking: none; the command's thread only.

using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Spectre.Console;
using static System.FormattableString;

namespace Quire.Cli.Bench;

internal sealed class BenchReport(IAnsiConsole console, string baselineName = Engines.OsEngine.EngineName)
{
    private const double MiB = 1 << 20;

    public void WriteHeader(BenchSettings settings, WorkloadPlan plan, Storage.BenchStorage storage)
    {
        console.Write(new Rule($"[bold]quire bench {Markup.Escape(settings.Workload.Name())}[/]").LeftJustified());
        console.WriteLine($"Workload: {plan.Description}. Counted operations: {plan.OperationName}.");
        string limit = (settings.Duration, settings.Operations) switch
        {
            ({ } d, { } o) => Invariant($"{o} operations or {d.TotalSeconds:0.###} s, whichever comes first"),
            ({ } d, null) => Invariant($"{d.TotalSeconds:0.###} s"),
            (null, { } o) => Invariant($"{o} operations"),
            _ => "the end of the file",
        };
        if (settings.MemoryBudgetBytes is { } budget)
        {
            console.WriteLine(Invariant(
                $"Memory budget: {FormatBytes(budget)} per engine: each engine runs in a process of its own in a memory cgroup of that limit (page cache included); Quire's pool is the budget less its process's measured baseline and {FormatBytes(Budget.BudgetChild.HeadroomBytes(budget))} of headroom, and its store is O_DIRECT so that data is cached once. File sizes are multiples of the budget."));
        }

        string second = plan.SecondFileBytes > 0 ? Invariant($", second file {FormatBytes(plan.SecondFileBytes)}") : string.Empty;
        console.WriteLine(Invariant(
            $"{(settings.MemoryBudgetBytes is null ? "Pool" : "Budget")}: {FormatBytes(settings.PoolBytes)}{(settings.MemoryBudgetBytes is null ? Invariant($" ({settings.PoolBytes / settings.PageSize} pages of {settings.PageSize} bytes)") : string.Empty)}. {(plan.WritesSegments ? "Live segment files at most" : "File")}: {FormatBytes(plan.DataFileBytes)} ({(double)plan.DataFileBytes / settings.PoolBytes:0.##}x the {(settings.MemoryBudgetBytes is null ? "pool" : "budget")}){second}. Threads: {settings.Threads}. Limit per engine: {limit}. Seed: {settings.Seed}."));
        console.WriteLine($"Engines: {string.Join(", ", settings.Engines)}, one after another on the same files.");
        if (settings.DirtyRatio is { } ratio)
        {
            console.WriteLine(settings.MemoryBudgetBytes is { } limited
                ? Invariant($"Dirty limits: {ratio:0.###} of memory, background {ratio / 2:0.###}: Quire's DirtyRatio, and for the os and mmap engines vm.dirty_bytes {FormatBytes((long)(limited * ratio))} and vm.dirty_background_bytes {FormatBytes((long)(limited * ratio / 2))} during their runs.")
                : Invariant($"Dirty limits: Quire's DirtyRatio {ratio:0.###}, background {ratio / 2:0.###}; the OS keeps its own (give --memory-budget to set them too)."));
        }

        if (settings.WritesInFlight is { } writes)
        {
            console.WriteLine(Invariant($"Writes in flight: the quire engine's writebacks keep up to {writes} at the device (MaxWritesInFlight)."));
        }

        console.WriteLine(plan.ColdStart
            ? $"Cold start before each engine: {storage.DescribeColdStart(settings.ColdCache)}."
            : "No cold start: the workload writes its files anew for each engine.");
        console.WriteLine(storage.Describe());
        if (settings.Rbd is { } rbd)
        {
            console.WriteLine(Invariant($"RBD: quire's store keeps up to {rbd.MaxWritesInFlight} writes in flight; librbd-cache caches in writeback mode with {FormatBytes(settings.PoolBytes)}, the pool's size; operation timeout {rbd.OperationTimeout.TotalSeconds:0.###} s."));
        }
        if (typeof(PageCache).Assembly.GetCustomAttribute<DebuggableAttribute>() is { IsJITOptimizerDisabled: true })
        {
            console.WriteLine("Quire is a Debug build here: its invariant checks slow it down. Build with -c Release for representative figures.");
        }

        console.WriteLine($"Throughput: counted operations over the elapsed time, the final flush included. Latency: per counted operation, from a log-bucket histogram (at most 3.1 % above the true value). \"vs {baselineName}\": the figure over the {baselineName} engine's.");
        console.WriteLine();
    }

    public void WriteEngine(EngineResult result, EngineResult? baseline)
    {
        string title = Invariant($"{result.Engine}: {result.Operations} operations in {result.Elapsed.TotalSeconds:F2} s, stopped by {result.StoppedBy}");
        if (result.FlushTime is { } flush)
        {
            title += Invariant($", final flush {flush.TotalMilliseconds:F1} ms");
        }

        var table = new Table().Title(Markup.Escape(title)).AddColumn("Figure").AddColumn("Value", c => c.RightAligned()).AddColumn("vs " + baselineName, c => c.RightAligned()).AddColumn("Source");
        IReadOnlyList<(string Name, double? Value, bool? HigherIsBetter)> figures = result.Figures();
        IReadOnlyList<(string Name, double? Value, bool? HigherIsBetter)>? baseFigures = baseline?.Figures();
        for (int i = 0; i < figures.Count; i++)
        {
            (string name, double? value, _) = figures[i];
            string ratio = baseFigures is null || result == baseline ? string.Empty : FormatRatio(Ratio(value, baseFigures[i].Value));
            table.AddRow(Markup.Escape(name), Markup.Escape(FormatValue(name, value)), Markup.Escape(ratio), Markup.Escape(Source(result, name)));
        }

        if (result.ThrottlePauses is { } pauses)
        {
            table.AddRow("throttle pauses", pauses.ToString(CultureInfo.InvariantCulture), string.Empty, "cache statistics");
        }

        if (result.BackgroundBytes > 0)
        {
            table.AddRow("background MiB/s", FormatNumber(result.BackgroundBytes / MiB / result.Elapsed.TotalSeconds, "F1"), string.Empty, "the scanning or writing threads, not counted as operations");
        }

        console.Write(table);
        console.WriteLine();
    }

    /// <summary>The device references measured in this run, and what they are.</summary>
    public void WriteDeviceReference(DeviceReferenceResult? reference, string? unavailableReason)
    {
        if (reference is null)
        {
            if (unavailableReason is not null)
            {
                console.WriteLine($"Device reference: n/a ({unavailableReason}).");
            }

            return;
        }

        string after = reference.PreallocatedAfterMiBPerSecond is { } a ? Invariant($" before the engines, {a:N0} MiB/s after") : string.Empty;
        console.WriteLine(Invariant(
            $"Device reference ({FormatBytes(reference.ByteCount)}, O_DIRECT {DeviceReference.WriteBytes >> 20} MiB writes, {DeviceReference.WritesInFlight} in flight, fdatasync included): preallocated file {reference.PreallocatedBeforeMiBPerSecond:N0} MiB/s{after}; new file (every write extends it) {reference.NewFileMiBPerSecond:N0} MiB/s. \"vs device\" is an engine's device write MiB/s over the better preallocated rate, {reference.MiBPerSecond:N0} MiB/s."));
        console.WriteLine();
    }

    /// <summary>The memory each engine's cgroup allowed and used, and Quire's pool.</summary>
    public void WriteMemory(IReadOnlyList<EngineResult> results, long budgetBytes, string controller)
    {
        var table = new Table().Title(Markup.Escape($"Memory: {controller}, limit {FormatBytes(budgetBytes)}"))
            .AddColumn("Engine").AddColumn("limit MiB", c => c.RightAligned()).AddColumn("baseline MiB", c => c.RightAligned())
            .AddColumn("peak MiB", c => c.RightAligned()).AddColumn("peak / limit", c => c.RightAligned()).AddColumn("Quire pool MiB", c => c.RightAligned());
        foreach (EngineResult result in results)
        {
            table.AddRow(
                Markup.Escape(result.Engine),
                FormatNumber(budgetBytes / MiB, "N1"),
                result.MemoryBaselineBytes is { } b ? FormatNumber(b / MiB, "N1") : "n/a",
                result.MemoryPeakBytes is { } p ? FormatNumber(p / MiB, "N1") : "n/a",
                result.MemoryPeakBytes is { } q ? FormatNumber(q / (double)budgetBytes, "P0") : "n/a",
                result.PoolBytes is { } pool ? FormatNumber(pool / MiB, "N1") : string.Empty);
        }

        console.Write(table);
        console.WriteLine(Invariant($"Each engine ran in a memory cgroup of its own limited to {FormatBytes(budgetBytes)}. ") + "baseline: the engine's process (runtime, code, heap) measured as its cgroup's usage before any cache or file was opened; peak: the cgroup's peak usage, page cache included.");
        console.WriteLine();
    }

    public void WriteSummary(IReadOnlyList<EngineResult> results, EngineResult? baseline, DeviceReferenceResult? device = null)
    {
        if (baseline is null || (results.Count < 2 && device is null))
        {
            return;
        }

        var table = new Table().Title($"Ratios to the {baselineName} engine (throughput: above 1 is faster; latency: below 1 is faster)")
            .AddColumn("Engine").AddColumn("ops/s", c => c.RightAligned()).AddColumn("p50", c => c.RightAligned())
            .AddColumn("p99", c => c.RightAligned()).AddColumn("p99.9", c => c.RightAligned()).AddColumn("device read", c => c.RightAligned()).AddColumn("device written", c => c.RightAligned())
            .AddColumn("flush p99", c => c.RightAligned()).AddColumn("vs device", c => c.RightAligned());
        foreach (EngineResult result in results)
        {
            double? deviceRate = result.Elapsed > TimeSpan.Zero ? result.DeviceWrittenBytes / MiB / result.Elapsed.TotalSeconds : null;
            table.AddRow(
                Markup.Escape(result.Engine),
                FormatRatio(Ratio(result.OperationsPerSecond, baseline.OperationsPerSecond)),
                FormatRatio(Ratio(result.Latency.PercentileNanoseconds(50), baseline.Latency.PercentileNanoseconds(50))),
                FormatRatio(Ratio(result.Latency.PercentileNanoseconds(99), baseline.Latency.PercentileNanoseconds(99))),
                FormatRatio(Ratio(result.Latency.PercentileNanoseconds(99.9), baseline.Latency.PercentileNanoseconds(99.9))),
                FormatRatio(Ratio(result.DeviceReadBytes, baseline.DeviceReadBytes)),
                FormatRatio(Ratio(result.DeviceWrittenBytes, baseline.DeviceWrittenBytes)),
                FormatRatio(Ratio(FlushP99(result), FlushP99(baseline))),
                FormatRatio(Ratio(deviceRate, device?.MiBPerSecond)));
        }

        console.Write(table);
        console.WriteLine();
    }

    private static double? FlushP99(EngineResult result) => result.FlushLatency is { Count: > 0 } flushes ? flushes.PercentileNanoseconds(99) : null;

    public static double? Ratio(double? value, double? baseline) =>
        value is { } v && baseline is { } b && b != 0 ? v / b : null;

    public static string FormatRatio(double? ratio) => ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "n/a";

    public static string FormatBytes(long bytes) => bytes >= 1 << 30 && bytes % (1 << 30) == 0
        ? Invariant($"{bytes >> 30} GiB")
        : bytes >= 1 << 20 ? Invariant($"{bytes / MiB:0.##} MiB") : Invariant($"{bytes / 1024.0:0.##} KiB");

    private static string FormatValue(string name, double? value) => value switch
    {
        null => "n/a",
        { } v when name == "hit ratio" => v.ToString("P2", CultureInfo.InvariantCulture),
        { } v when name is "ops/s" or "write I/Os" or "flushes" => FormatNumber(v, "N0"),
        { } v => FormatNumber(v, "N2"),
    };

    private static string FormatNumber(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Source(EngineResult result, string figure) => figure switch
    {
        "hit ratio" => result.HitRatioSource,
        "device read MiB" or "device written MiB" => result.DeviceBytesSource,
        "write I/Os" or "avg write KiB" => result.WriteIosSource,
        "peak dirty MiB" => result.DirtySource,
        "flushes" or "flush p50 µs" or "flush p99 µs" or "flush max µs" => result.FlushLatency is null ? "n/a: the workload flushes only at its end" : "checkpoints or commits, the last included",
        "throttle time %" => result.ThrottleShare is null ? "n/a: no throttle counters" : "cache statistics: throttle time over elapsed x writer threads",
        "device busy %" => result.DeviceBusySource,
        "device write MiB/s" => result.DeviceBytesSource,
        "peak memory MiB" => result.MemoryPeakBytes is null ? "n/a: without --memory-budget" : "the engine's cgroup peak, page cache included",
        _ => string.Empty,
    };
}
