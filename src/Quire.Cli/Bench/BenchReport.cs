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
        string second = plan.SecondFileBytes > 0 ? Invariant($", second file {FormatBytes(plan.SecondFileBytes)}") : string.Empty;
        console.WriteLine(Invariant(
            $"Pool: {FormatBytes(settings.PoolBytes)} ({settings.PoolBytes / settings.PageSize} pages of {settings.PageSize} bytes). File: {FormatBytes(plan.DataFileBytes)} ({(double)plan.DataFileBytes / settings.PoolBytes:0.##}x the pool){second}. Threads: {settings.Threads}. Limit per engine: {limit}. Seed: {settings.Seed}."));
        console.WriteLine($"Engines: {string.Join(", ", settings.Engines)}, one after another on the same files.");
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

    public void WriteSummary(IReadOnlyList<EngineResult> results, EngineResult? baseline)
    {
        if (baseline is null || results.Count < 2)
        {
            return;
        }

        var table = new Table().Title($"Ratios to the {baselineName} engine (throughput: above 1 is faster; latency: below 1 is faster)")
            .AddColumn("Engine").AddColumn("ops/s", c => c.RightAligned()).AddColumn("p50", c => c.RightAligned())
            .AddColumn("p99", c => c.RightAligned()).AddColumn("p99.9", c => c.RightAligned()).AddColumn("device read", c => c.RightAligned()).AddColumn("device written", c => c.RightAligned());
        foreach (EngineResult result in results)
        {
            table.AddRow(
                Markup.Escape(result.Engine),
                FormatRatio(Ratio(result.OperationsPerSecond, baseline.OperationsPerSecond)),
                FormatRatio(Ratio(result.Latency.PercentileNanoseconds(50), baseline.Latency.PercentileNanoseconds(50))),
                FormatRatio(Ratio(result.Latency.PercentileNanoseconds(99), baseline.Latency.PercentileNanoseconds(99))),
                FormatRatio(Ratio(result.Latency.PercentileNanoseconds(99.9), baseline.Latency.PercentileNanoseconds(99.9))),
                FormatRatio(Ratio(result.DeviceReadBytes, baseline.DeviceReadBytes)),
                FormatRatio(Ratio(result.DeviceWrittenBytes, baseline.DeviceWrittenBytes)));
        }

        console.Write(table);
        console.WriteLine();
    }

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
        { } v when name is "ops/s" or "write I/Os" => FormatNumber(v, "N0"),
        { } v => FormatNumber(v, "N2"),
    };

    private static string FormatNumber(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Source(EngineResult result, string figure) => figure switch
    {
        "hit ratio" => result.HitRatioSource,
        "device read MiB" or "device written MiB" => result.DeviceBytesSource,
        "write I/Os" or "avg write KiB" => result.WriteIosSource,
        "peak dirty MiB" => result.DirtySource,
        _ => string.Empty,
    };
}
