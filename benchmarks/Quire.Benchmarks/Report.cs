// Report: turns one run's results into the measured sections of docs/BENCHMARKS.md: the headline
// (each Quire case as a ratio against its baseline from the same run, with its target), the
// disk-bound rounds, the scan-resistance results and the cache's counters. It reads
// BenchmarkDotNet's brief JSON exports (*-report-brief.json, times in nanoseconds),
// disk-*.json, quire-counters.jsonl and scan-resistance.json from one results directory, and
// prints nothing it did not read there.
// Run: Quire.Benchmarks report --results <dir> --headline <file.md> --details <file.md>.

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Quire.Benchmarks;

internal static class Report
{
    private const double ScanTarget = 0.95;

    private static readonly Comparison[] s_comparisons =
    [
        new("4 KiB random read hit, copy-out", "ReadHitBenchmarks", "QuireRead", "RandomAccessRead", 0.6, ZeroAllocation: true),
        new("4 KiB random read hit, memory-mapped copy (for reference)", "ReadHitBenchmarks", "MemoryMappedCopy", "RandomAccessRead", null, ZeroAllocation: false),
        new("4 KiB lease on a hit: lookup, Pin, Dispose", "PinBenchmarks", "QuirePin", "RandomAccessRead", 0.15, ZeroAllocation: true),
        new("4 KiB overwrite hit", "WriteHitBenchmarks", "QuireWrite", "RandomAccessWrite", null, ZeroAllocation: true),
        new("4 KiB sequential read, misses with read-ahead (data in the OS page cache)", "MissBenchmarks", "QuireReadWithReadAhead", "RandomAccessRead", null, ZeroAllocation: false),
        new("1 MiB into resident pages, then written back and flushed (a store that keeps nothing)", "ClusterWriteBenchmarks", "QuireWriteThenFlush", "RandomAccessWrite", null, ZeroAllocation: false),
        new("Throttle check of a write that dirties a page, below freerun", "ThrottleCheckBenchmarks", "CheckBelowFreerun", "AccountOneDirtyPage", null, ZeroAllocation: true),
        new("Throttle check of a write that dirties a page, above freerun (pause carried over)", "ThrottleCheckBenchmarks", "CheckAboveFreerunPauseCarriedOver", "AccountOneDirtyPage", null, ZeroAllocation: true),
    ];

    /// <summary>Writes the report; returns the exit code (2 for bad arguments).</summary>
    public static int Run(string[] args)
    {
        if (args.Length != 6 || args[0] != "--results" || args[2] != "--headline" || args[4] != "--details")
        {
            Console.Error.WriteLine("usage: Quire.Benchmarks report --results <dir> --headline <file.md> --details <file.md>");
            return 2;
        }

        string results = args[1];
        List<Measurement> measurements = ReadMeasurements(results);
        List<CounterRecord> counters = ReadCounters(results);
        List<ScanResistanceResult> scans = ReadScans(results);
        List<DiskQuestionResult> disks = ReadDisks(results);
        var headline = new StringBuilder();
        WriteHeadline(headline, measurements, disks, counters, scans);
        File.WriteAllText(args[3], headline.ToString());
        var details = new StringBuilder();
        WriteDisks(details, disks);
        WriteScanResistance(details, scans);
        WriteCounters(details, counters);
        File.WriteAllText(args[5], details.ToString());
        return 0;
    }

    private static void WriteHeadline(StringBuilder text, List<Measurement> measurements, List<DiskQuestionResult> disks, List<CounterRecord> counters, List<ScanResistanceResult> scans)
    {
        text.AppendLine("| Question | Parameters | Quire against its baseline | Target | Quire allocated per op | Met |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (Comparison comparison in s_comparisons)
        {
            var cases = measurements.Where(m => m.Type == comparison.Type && m.Method == comparison.Method).ToList();
            if (cases.Count == 0)
            {
                text.AppendLine(Invariant($"| {comparison.Question} | | not measured in this run | {TargetText(comparison)} | | no |"));
                continue;
            }

            foreach (Measurement quire in cases)
            {
                Measurement? baseline = measurements.FirstOrDefault(m => m.Type == comparison.Type && m.Method == comparison.Baseline && m.Parameters == quire.Parameters);
                if (baseline is null)
                {
                    text.AppendLine(Invariant($"| {comparison.Question} | {quire.Parameters} | baseline {comparison.Baseline} not measured | {TargetText(comparison)} | | no |"));
                    continue;
                }

                text.AppendLine(Invariant($"| {comparison.Question} | {quire.Parameters} | {RatioText(comparison, quire, baseline)} | {TargetText(comparison)} | {quire.AllocatedBytesPerOperation:0} B | {MetText(comparison, quire, baseline)} |"));
            }
        }

        foreach (DiskQuestionResult disk in disks)
        {
            foreach (DiskContenderResult contender in disk.Contenders.Where(c => c.BaselineName is not null))
            {
                double median = Median(contender.RatiosToBaseline);
                string target = disk.Target is { } t ? Invariant($"≥ {t:0.##}x") : "no target";
                string met = disk.Target is { } bound ? (median >= bound ? "yes" : "no") : "n/a";
                text.AppendLine(Invariant($"| {disk.Question}: {contender.Name} | {DiskParametersText(contender, counters)} | {median:0.000}x the {disk.Unit} (rounds {contender.RatiosToBaseline.Min():0.00}–{contender.RatiosToBaseline.Max():0.00}) of {contender.BaselineName} | {target} | {contender.AllocatedBytesPerOperation:0} B | {met} |"));
                foreach ((string reference, double[] ratios) in contender.RatiosToReferences)
                {
                    double referenceMedian = Median(ratios);
                    bool hasTarget = disk.ReferenceTargets.TryGetValue(reference, out double referenceBound);
                    string referenceTarget = hasTarget ? Invariant($"≥ {referenceBound:0.##}x") : "no target";
                    string referenceMet = hasTarget ? (referenceMedian >= referenceBound ? "yes" : "no") : "n/a";
                    text.AppendLine(Invariant($"| {disk.Question}: {contender.Name} | {contender.Parameters} | {referenceMedian:0.000}x the {disk.Unit} (rounds {ratios.Min():0.00}–{ratios.Max():0.00}) of {reference} | {referenceTarget} | {contender.AllocatedBytesPerOperation:0} B | {referenceMet} |"));
                }
            }
        }

        foreach (ScanResistanceResult scan in scans)
        {
            // Only scans with read-ahead on answer the question; the one with it off locates the cause.
            bool diagnostic = scan.ScanAdvice != nameof(FileAdvice.Normal);
            string target = diagnostic ? "diagnostic" : Invariant($"≥ {ScanTarget:P0}");
            string met = diagnostic ? "n/a" : (scan.HotHitRatio >= ScanTarget ? "yes" : "no");
            text.AppendLine(Invariant($"| Scan resistance: hot set 25% of the pool, scan 10x the pool | scan reads of {Size(scan.ScanReadBytes)}, advice {scan.ScanAdvice} | hot-set hit ratio {scan.HotHitRatio:P2} | {target} | | {met} |"));
        }

        text.AppendLine();
        text.AppendLine("Hit-path ratios (BenchmarkDotNet) are of means from the same run; ± is the spread the two standard deviations imply; lower is better. "
            + "Disk-bound ratios (rounds) are medians of per-round ratios, each against the baseline in the same round, with the range over the rounds; higher is better.");
        text.AppendLine();
    }

    private static void WriteScanResistance(StringBuilder text, List<ScanResistanceResult> scans)
    {
        text.AppendLine("### Scan resistance");
        text.AppendLine();
        if (scans.Count == 0)
        {
            text.AppendLine("Not measured in this run.");
            text.AppendLine();
            return;
        }

        text.AppendLine("| Pool | Hot set | Scan | Scan read size | Scan advice | Hot reads | Hot hits | Hot misses | Hot hit ratio | Hot pages resident at end | Evictions | Promotions | Deactivations |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (ScanResistanceResult s in scans)
        {
            text.AppendLine(Invariant($"| {Size(s.PoolBytes)} | {Size(s.HotBytes)} | {Size(s.ScanBytes)} | {Size(s.ScanReadBytes)} | {s.ScanAdvice} | {s.HotReads} | {s.HotHits} | {s.HotMisses} | {s.HotHitRatio:P2} | {s.HotPagesResidentAtEnd} of {s.HotPages} | {s.Evictions} | {s.Promotions} | {s.Deactivations} |"));
        }

        text.AppendLine();
    }

    private static void WriteCounters(StringBuilder text, List<CounterRecord> counters)
    {
        text.AppendLine("### What the cache did in each Quire case");
        text.AppendLine();
        text.AppendLine("PageCacheStatistics deltas over the whole case (warm-up and measured invocations), from the same run. "
            + "Misses count cluster reads; read-ahead pages count as hits when used.");
        text.AppendLine();
        text.AppendLine("| Case | Parameters | Invocations | Hits | Misses | Hit ratio | Read I/Os | Pages read | Write I/Os | Average write | Durable flushes | Evictions | Promotions | Peak not durable / dirty limit | Throttle pauses (mean) | Rounds the file stayed open after its last handle closed |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (CounterRecord c in counters)
        {
            string peak = c.DirtyLimitBytes == 0 ? "not sampled" : Invariant($"{Size(c.PeakNotDurableBytes)} / {Size(c.DirtyLimitBytes)}");
            text.AppendLine(Invariant($"| {c.Benchmark} | {c.Parameters} | {c.Invocations} | {c.Hits} | {c.Misses} | {c.HitRatio:P2} | {c.ReadIos} | {c.PagesRead} | {c.WriteIos} | {Size((long)c.AverageWriteBytes)} | {c.DurableFlushes} | {c.Evictions} | {c.Promotions} | {peak} | {c.ThrottlePauses} ({Duration(c.MeanThrottlePause.TotalMicroseconds)}) | {c.FileLeftOpenRounds} |"));
        }

        text.AppendLine();
    }

    private static string DiskParametersText(DiskContenderResult contender, List<CounterRecord> counters)
    {
        CounterRecord? record = counters.FirstOrDefault(c => c.Benchmark.EndsWith("." + contender.Name, StringComparison.Ordinal) && c.Parameters == contender.Parameters);
        if (record is null || record.WriteIos == 0)
        {
            return contender.Parameters;
        }

        string parameters = contender.Parameters.Length == 0 ? "" : contender.Parameters + "; ";
        string pauses = record.ThrottlePauses == 0 ? "no throttle pauses" : Invariant($"{record.ThrottlePauses} throttle pauses of {Duration(record.MeanThrottlePause.TotalMicroseconds)} on average");
        string writeMax = contender.Latency is { } latency ? Invariant($", longest write {Duration(latency.MaxMicroseconds)}") : "";
        return Invariant($"{parameters}average write {Size((long)record.AverageWriteBytes)}, {record.DurableFlushes / (double)Math.Max(1, record.Invocations):0} durable flushes per round, peak not durable {Size(record.PeakNotDurableBytes)} of a {Size(record.DirtyLimitBytes)} dirty limit, {pauses}{writeMax}");
    }

    private static void WriteDisks(StringBuilder text, List<DiskQuestionResult> disks)
    {
        foreach (DiskQuestionResult disk in disks)
        {
            text.AppendLine(Invariant($"### {disk.Question}"));
            text.AppendLine();
            text.AppendLine(Invariant($"{disk.WarmupRounds} warm-up round, then {disk.MeasuredRounds} measured rounds; in each round every contender ran once, in an order rotated every round. Rates in {disk.Unit}, higher is better."));
            text.AppendLine();
            text.AppendLine(Invariant($"| Contender | Parameters | Median {disk.Unit} | Min–max {disk.Unit} | Ratio to baseline, median (min–max) | Allocated per operation | Operation latency p50 / p99 / p99.9 / max |"));
            text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
            foreach (DiskContenderResult c in disk.Contenders)
            {
                string ratio = c.BaselineName is null
                    ? "baseline"
                    : Invariant($"{Median(c.RatiosToBaseline):0.000} ({c.RatiosToBaseline.Min():0.000}–{c.RatiosToBaseline.Max():0.000})");
                string latency = c.Latency is { } l
                    ? Invariant($"{Duration(l.P50Microseconds)} / {Duration(l.P99Microseconds)} / {Duration(l.P999Microseconds)} / {Duration(l.MaxMicroseconds)}")
                    : "not recorded";
                text.AppendLine(Invariant($"| {c.Name} | {c.Parameters} | {Median(c.Rates):0} | {c.Rates.Min():0}–{c.Rates.Max():0} | {ratio} | {c.AllocatedBytesPerOperation:0} B | {latency} |"));
            }

            text.AppendLine();
        }
    }

    private static double Median(double[] values)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static (double Ratio, double Spread) Ratio(Comparison comparison, Measurement quire, Measurement baseline)
    {
        double ratio = quire.MeanNs / baseline.MeanNs;
        double relative = Math.Sqrt(Math.Pow(quire.StdDevNs / quire.MeanNs, 2) + Math.Pow(baseline.StdDevNs / baseline.MeanNs, 2));
        return (ratio, ratio * relative);
    }

    private static string RatioText(Comparison comparison, Measurement quire, Measurement baseline)
    {
        (double ratio, double spread) = Ratio(comparison, quire, baseline);
        return Invariant($"{ratio:0.000}x the time (± {spread:0.000}) of {comparison.Baseline}");
    }

    private static string TargetText(Comparison comparison)
    {
        if (comparison.Target is not { } target)
        {
            return comparison.ZeroAllocation ? "no ratio target; 0 B" : "no target";
        }

        string bound = Invariant($"≤ {target:0.##}x");
        return comparison.ZeroAllocation ? bound + ", 0 B" : bound;
    }

    private static string MetText(Comparison comparison, Measurement quire, Measurement baseline)
    {
        bool allocationMet = !comparison.ZeroAllocation || quire.AllocatedBytesPerOperation == 0;
        if (comparison.Target is not { } target)
        {
            return comparison.ZeroAllocation ? (allocationMet ? "0 B: yes" : "allocates: no") : "n/a";
        }

        (double ratio, _) = Ratio(comparison, quire, baseline);
        bool ratioMet = ratio <= target;
        return ratioMet && allocationMet ? "yes" : "no";
    }

    private static List<Measurement> ReadMeasurements(string results)
    {
        var measurements = new List<Measurement>();
        foreach (string path in Directory.EnumerateFiles(results, "*-report-brief.json").Order(StringComparer.Ordinal))
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
            foreach (JsonElement benchmark in document.RootElement.GetProperty("Benchmarks").EnumerateArray())
            {
                if (!benchmark.TryGetProperty("Statistics", out JsonElement statistics) || statistics.ValueKind != JsonValueKind.Object)
                {
                    continue; // the case failed; the table shows it
                }

                double allocated = benchmark.TryGetProperty("Memory", out JsonElement memory) && memory.TryGetProperty("BytesAllocatedPerOperation", out JsonElement bytes) && bytes.ValueKind == JsonValueKind.Number
                    ? bytes.GetDouble()
                    : double.NaN;
                measurements.Add(new Measurement(
                    ShortTypeName(benchmark.GetProperty("Type").GetString() ?? ""),
                    benchmark.GetProperty("Method").GetString() ?? "",
                    benchmark.TryGetProperty("Parameters", out JsonElement parameters) ? parameters.GetString() ?? "" : "",
                    statistics.GetProperty("Mean").GetDouble(),
                    statistics.GetProperty("StandardDeviation").GetDouble(),
                    allocated));
            }
        }

        return measurements;
    }

    private static List<CounterRecord> ReadCounters(string results)
    {
        string path = Path.Combine(results, CounterLog.FileName);
        return File.Exists(path)
            ? File.ReadLines(path).Where(line => line.Length > 0).Select(line => JsonSerializer.Deserialize<CounterRecord>(line)!).ToList()
            : [];
    }

    private static List<DiskQuestionResult> ReadDisks(string results) =>
        Directory.EnumerateFiles(results, "disk-*.json")
            .Order(StringComparer.Ordinal)
            .Select(path => JsonSerializer.Deserialize<DiskQuestionResult>(File.ReadAllText(path))!)
            .ToList();

    private static List<ScanResistanceResult> ReadScans(string results)
    {
        string path = Path.Combine(results, ScanResistance.FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<List<ScanResistanceResult>>(File.ReadAllText(path)) ?? [] : [];
    }

    private static string ShortTypeName(string type) => type[(type.LastIndexOf('.') + 1)..];

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => Invariant($"{bytes >> 30} GiB"),
        >= 1L << 20 when bytes % (1L << 20) == 0 => Invariant($"{bytes >> 20} MiB"),
        >= 1L << 10 => Invariant($"{bytes / 1024.0:0.#} KiB"),
        _ => Invariant($"{bytes} B"),
    };

    private static string Duration(double microseconds) => microseconds switch
    {
        >= 1_000_000 => Invariant($"{microseconds / 1_000_000:0.##} s"),
        >= 1_000 => Invariant($"{microseconds / 1_000:0.##} ms"),
        _ => Invariant($"{microseconds:0.#} µs"),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Comparison(string Question, string Type, string Method, string Baseline, double? Target, bool ZeroAllocation);

    private sealed record Measurement(string Type, string Method, string Parameters, double MeanNs, double StdDevNs, double AllocatedBytesPerOperation);
}
