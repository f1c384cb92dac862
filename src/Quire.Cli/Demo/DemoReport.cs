// DemoReport: how the demo prints: section headings, progress, tables of timings with the
// Quire / plain ratio under each, and tables of the cache's statistics.
//
// Progress bars only on an interactive console (Spectre's live rendering writes cursor codes that
// would garble redirected output); a plain line per phase otherwise. Cell text is never parsed as
// Spectre markup, so paths and messages print as they are. Single-threaded.

using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Spectre.Console;
using static System.FormattableString;

namespace Quire.Cli.Demo;

internal sealed class DemoReport(IAnsiConsole console)
{
    private const double MiB = 1 << 20;

    // What each statistic counts, in a few words (the full text is in PageCacheStatistics' docs).
    private static readonly Dictionary<string, string> s_meanings = new(StringComparer.Ordinal)
    {
        ["FrameCount"] = "frames in the pool",
        ["PageSize"] = "bytes per page",
        ["FreeFrames"] = "frames holding no page",
        ["ActiveFrames"] = "pages used again (the hot set)",
        ["InactiveFrames"] = "pages used once, reclaimed first",
        ["PinnedFrames"] = "frames held right now",
        ["DirtyPages"] = "pages not yet written back",
        ["WritebackPages"] = "pages being written",
        ["UnsyncedPages"] = "written, not yet durable",
        ["OpenFiles"] = "files the cache has open",
        ["IdleFiles"] = "files kept after their last close",
        ["ReopenedFiles"] = "reopens that found pages kept",
        ["StaleFiles"] = "reopens of a file changed on disk",
        ["Deletes"] = "names deleted through the cache",
        ["Moves"] = "files renamed through the cache",
        ["Hits"] = "lookups that found the page",
        ["Misses"] = "lookups that read the store",
        ["HitRatio"] = "hits / (hits + misses)",
        ["PagesRead"] = "pages read from the store",
        ["ReadIos"] = "read calls to the store",
        ["ReadAheadPages"] = "pages read ahead of the reader",
        ["PagesWritten"] = "pages written to the store",
        ["WriteIos"] = "write calls to the store",
        ["BytesWritten"] = "bytes written to the store",
        ["AverageWriteBytes"] = "bytes per write call",
        ["DurableFlushes"] = "fsyncs that succeeded",
        ["Evictions"] = "clean pages reclaimed",
        ["Promotions"] = "inactive pages made active",
        ["Deactivations"] = "active pages made inactive",
        ["ReadFailures"] = "failed reads of the store",
        ["WriteFailures"] = "failed writes to the store",
        ["FlushFailures"] = "failed fsyncs",
        ["WriteRetries"] = "failed writebacks to retry",
        ["ThrottlePauses"] = "writer pauses by dirty throttling",
        ["ThrottleTime"] = "time writers spent paused",
        ["BackgroundThresholdPages"] = "dirty pages that wake the writer",
        ["DirtyLimitPages"] = "not-durable pages that throttle",
        ["NotDurablePages"] = "dirty, under writeback or unsynced",
    };

    /// <summary>Prints a heading and a sentence saying what the step does.</summary>
    public void Section(string title, string description)
    {
        console.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());
        console.WriteLine(description);
    }

    /// <summary>
    /// Runs <paramref name="body"/>, which reports progress (in units of <paramref name="total"/>)
    /// through the action it is given: a progress bar on an interactive console, one line otherwise.
    /// </summary>
    public void RunPhase(string description, long total, Action<Action<long>> body)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            console.WriteLine($"  {description}...");
            body(_ => { });
            return;
        }

        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask(description, maxValue: total);
                body(amount => task.Increment(amount));
            });
    }

    /// <summary>
    /// Prints the time of each phase of two byte-moving measurements (Quire first, plain second),
    /// their total, MiB/s, and the ratio of Quire's throughput to the plain I/O's.
    /// </summary>
    public void WriteThroughputTable(string[] phaseNames, Measurement quire, Measurement plain)
    {
        var table = new Table().AddColumn(string.Empty);
        foreach (string phase in phaseNames)
        {
            table.AddColumn(new TableColumn(phase).RightAligned());
        }

        if (phaseNames.Length > 1)
        {
            table.AddColumn(new TableColumn("Total").RightAligned());
        }

        table.AddColumn(new TableColumn("MiB/s").RightAligned());
        foreach (Measurement measurement in (Measurement[])[quire, plain])
        {
            var cells = new List<string> { measurement.Label };
            cells.AddRange(measurement.PhaseTicks.Select(FormatTime));
            if (phaseNames.Length > 1)
            {
                cells.Add(FormatTime(measurement.TotalTicks));
            }

            cells.Add(Invariant($"{measurement.Amount / MiB / measurement.Seconds:F1}"));
            AddTextRow(table, cells);
        }

        console.Write(table);
        WriteRatio(quire, plain);
    }

    /// <summary>Prints the time, operations per second and microseconds per operation of two measurements, and their ratio.</summary>
    public void WriteOperationsTable(Measurement quire, Measurement plain)
    {
        var table = new Table()
            .AddColumn(string.Empty)
            .AddColumn(new TableColumn("Reads").RightAligned())
            .AddColumn(new TableColumn("Time").RightAligned())
            .AddColumn(new TableColumn("Reads/s").RightAligned())
            .AddColumn(new TableColumn("µs per read").RightAligned());
        foreach (Measurement measurement in (Measurement[])[quire, plain])
        {
            AddTextRow(
                table,
                measurement.Label,
                Invariant($"{measurement.Amount}"),
                FormatTime(measurement.TotalTicks),
                Invariant($"{measurement.Amount / measurement.Seconds:F0}"),
                Invariant($"{measurement.Seconds * 1e6 / measurement.Amount:F2}"));
        }

        console.Write(table);
        WriteRatio(quire, plain);
    }

    /// <summary>Prints a one-row table of selected statistics under a title.</summary>
    public void WriteStatistics(string title, params (string Name, string Value)[] statistics)
    {
        var table = new Table().Title(title);
        foreach ((string name, _) in statistics)
        {
            table.AddColumn(new TableColumn(name).RightAligned());
        }

        AddTextRow(table, statistics.Select(statistic => statistic.Value));
        console.Write(table);
    }

    /// <summary>
    /// Prints every public property of <paramref name="statistics"/>, one row each, in declaration
    /// order, with what it counts where known. Found by reflection, so a statistic the library adds
    /// shows up here without a change to the demo.
    /// </summary>
    public void WriteAllStatistics(string title, PageCacheStatistics statistics)
    {
        console.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());
        var table = new Table()
            .AddColumn("Statistic")
            .AddColumn(new TableColumn("Value").RightAligned())
            .AddColumn("Meaning");
        IEnumerable<PropertyInfo> properties = typeof(PageCacheStatistics)
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .OrderBy(property => property.MetadataToken);
        foreach (PropertyInfo property in properties)
        {
            string value = property.GetValue(statistics) switch
            {
                double ratio when property.Name.EndsWith("Ratio", StringComparison.Ordinal) => Invariant($"{ratio:P2}"),
                double number => Invariant($"{number:F0}"),
                TimeSpan time => Invariant($"{time.TotalMilliseconds:F1} ms"),
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                object other => other.ToString() ?? string.Empty,
                null => string.Empty,
            };
            AddTextRow(table, property.Name, value, s_meanings.GetValueOrDefault(property.Name, string.Empty));
        }

        console.Write(table);
    }

    private static void AddTextRow(Table table, params IEnumerable<string> cells) =>
        table.AddRow(cells.Select(cell => new Text(cell)));

    private static string FormatTime(long ticks) =>
        Invariant($"{Stopwatch.GetElapsedTime(0, ticks).TotalMilliseconds:F1} ms");

    private void WriteRatio(Measurement quire, Measurement plain)
    {
        // Throughput over throughput, so that above 1 always means Quire is faster.
        double ratio = (quire.Amount / quire.Seconds) / (plain.Amount / plain.Seconds);
        string faster = ratio >= 1 ? "Quire is faster" : "plain I/O is faster";
        // Two decimals, more below 0.1 so a very slow side does not print as 0.00x.
        string text = ratio >= 0.1 ? Invariant($"{ratio:F2}") : Invariant($"{ratio:0.00##}");
        console.WriteLine($"Ratio, Quire / plain: {text}x ({faster})");
    }

    /// <summary>
    /// One side's measurement: what it was, how much it moved (bytes or operations), and the
    /// Stopwatch ticks of each timed phase.
    /// </summary>
    public sealed record Measurement(string Label, long Amount, IReadOnlyList<long> PhaseTicks)
    {
        public long TotalTicks => PhaseTicks.Sum();

        // A floor of 1 ns keeps the rates finite when a tiny run times below the clock's resolution.
        public double Seconds => Math.Max(Stopwatch.GetElapsedTime(0, TotalTicks).TotalSeconds, 1e-9);
    }
}
