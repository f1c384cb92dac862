// TopView: what `quire top` shows each second of a running cache: frames per queue, not-durable
// bytes against the background threshold and the dirty limit (as a bar), writeback MiB/s, throttle
// pauses and the hit ratio over the last second, from two PageCache.GetStatistics() snapshots.
//
// Locking: none; the command's thread only. Rates are over the time between two renders.

using System.Globalization;
using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;
using static System.FormattableString;

namespace Quire.Cli.Bench;

internal sealed class TopView
{
    // 40 characters: the dirty bar's width, readable on an 80-column terminal next to its label.
    private const int BarWidth = 40;
    private const double MiB = 1 << 20;

    private PageCacheStatistics? _previous; // the last rendered snapshot
    private double _previousSeconds;

    /// <summary>The figures of one refresh; rates are since the previous one.</summary>
    public sealed record Frame(
        double ElapsedSeconds,
        PageCacheStatistics Statistics,
        double WritebackMiBPerSecond,
        long ThrottlePausesSinceLast,
        double? HitRatioSinceLast,
        double OperationsPerSecond);

    private long _previousOperations;

    /// <summary>Computes the figures of a refresh from a snapshot and remembers it for the next rates.</summary>
    public Frame Next(double elapsedSeconds, PageCacheStatistics statistics, long operations)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        double seconds = Math.Max(1e-3, elapsedSeconds - _previousSeconds);
        PageCacheStatistics previous = _previous ?? statistics with { BytesWritten = 0, ThrottlePauses = 0, Hits = 0, Misses = 0 };
        long hits = statistics.Hits - previous.Hits;
        long misses = statistics.Misses - previous.Misses;
        var frame = new Frame(
            elapsedSeconds,
            statistics,
            (statistics.BytesWritten - previous.BytesWritten) / MiB / seconds,
            statistics.ThrottlePauses - previous.ThrottlePauses,
            hits + misses == 0 ? null : (double)hits / (hits + misses),
            (operations - _previousOperations) / seconds);
        _previous = statistics;
        _previousSeconds = elapsedSeconds;
        _previousOperations = operations;
        return frame;
    }

    /// <summary>One plain line, for output that is not a terminal.</summary>
    public static string Line(Frame frame)
    {
        PageCacheStatistics s = frame.Statistics;
        long pageSize = s.PageSize;
        return Invariant(
            $"t={frame.ElapsedSeconds,5:F1}s frames free {s.FreeFrames} active {s.ActiveFrames} inactive {s.InactiveFrames} pinned {s.PinnedFrames} | not durable {s.NotDurablePages * pageSize / MiB:F1} MiB (background {s.BackgroundThresholdPages * pageSize / MiB:F1}, limit {s.DirtyLimitPages * pageSize / MiB:F1}) | writeback {frame.WritebackMiBPerSecond:F1} MiB/s | throttle pauses +{frame.ThrottlePausesSinceLast} ({s.ThrottlePauses} total) | hit ratio {FormatRatio(frame.HitRatioSinceLast)} | {frame.OperationsPerSecond:F0} ops/s");
    }

    /// <summary>The live table, for a terminal.</summary>
    public static IRenderable Render(string title, Frame frame)
    {
        PageCacheStatistics s = frame.Statistics;
        long pageSize = s.PageSize;
        var table = new Table().Title(Markup.Escape(title)).AddColumn("Figure").AddColumn("Value");
        table.AddRow("elapsed", Invariant($"{frame.ElapsedSeconds:F1} s"));
        table.AddRow("frames", Invariant($"free {s.FreeFrames}, active {s.ActiveFrames}, inactive {s.InactiveFrames}, pinned {s.PinnedFrames} (of {s.FrameCount})"));
        table.AddRow("not durable", Markup.Escape(DirtyBar(s)));
        table.AddRow(string.Empty, Invariant($"{s.NotDurablePages * pageSize / MiB:F1} MiB; background threshold | {s.BackgroundThresholdPages * pageSize / MiB:F1} MiB; dirty limit ! {s.DirtyLimitPages * pageSize / MiB:F1} MiB"));
        table.AddRow("writeback", Invariant($"{frame.WritebackMiBPerSecond:F1} MiB/s ({s.WriteIos} write I/Os, {s.AverageWriteBytes / 1024:F0} KiB each on average)"));
        table.AddRow("throttle pauses", Invariant($"+{frame.ThrottlePausesSinceLast} in the last second, {s.ThrottlePauses} in all ({s.ThrottleTime.TotalMilliseconds:F0} ms paused)"));
        table.AddRow("hit ratio", Invariant($"{FormatRatio(frame.HitRatioSinceLast)} in the last second, {s.HitRatio.ToString("P1", CultureInfo.InvariantCulture)} in all"));
        table.AddRow("throughput", Invariant($"{frame.OperationsPerSecond:F0} ops/s"));
        return table;
    }

    /// <summary>
    /// The not-durable pages as a bar: '#' filled, '.' empty, '|' at the background threshold, '!'
    /// at the dirty limit; the bar's full width is 1.25x the dirty limit, or the count if larger.
    /// </summary>
    public static string DirtyBar(PageCacheStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        double scale = Math.Max(1, Math.Max(statistics.DirtyLimitPages * 1.25, statistics.NotDurablePages));
        int Position(double pages) => Math.Clamp((int)(pages / scale * BarWidth), 0, BarWidth - 1);
        var bar = new StringBuilder(new string('.', BarWidth));
        int filled = Math.Min(BarWidth, (int)Math.Round(statistics.NotDurablePages / scale * BarWidth));
        for (int i = 0; i < filled; i++)
        {
            bar[i] = '#';
        }

        bar[Position(statistics.BackgroundThresholdPages)] = '|';
        bar[Position(statistics.DirtyLimitPages)] = '!';
        return "[" + bar + "]";
    }

    private static string FormatRatio(double? ratio) => ratio is { } r ? r.ToString("P1", CultureInfo.InvariantCulture) : "n/a";
}
