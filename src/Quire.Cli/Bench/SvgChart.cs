// SvgChart: the `--chart` output, written as SVG by hand (no plotting package is available):
//   top: the quire engine's not-durable bytes, the background threshold and the dirty limit
//        (MiB, left axis) and its throughput (operations/s, right axis) over time, one point per
//        100 ms sample;
//   bottom: a bar per engine of its throughput and p99 latency over the baseline engine's (os, or librbd over RBD).
// Only the bench's own numbers and names go into the text; names are escaped.
//
// Locking: stateless.

using System.Globalization;
using System.Security;
using System.Text;

namespace Quire.Cli.Bench;

internal static class SvgChart
{
    private const int Width = 800;
    private const int Height = 640;
    private const int Left = 70;
    private const int Right = 730;
    private const int PlotTop = 50;
    private const int PlotBottom = 300;
    private const int BarTop = 380;
    private const int BarBottom = 590;
    private const double MiB = 1 << 20;

    public static void Write(string path, string title, IReadOnlyList<EngineResult> results, string baselineName = Engines.OsEngine.EngineName)
    {
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        svg.Append(Invariant($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n"));
        Text(svg, Width / 2, 20, title, "middle", 15);
        EngineResult? quire = results.FirstOrDefault(r => r.Engine == Engines.QuireEngine.EngineName);
        if (quire is null || quire.Samples.Count < 2)
        {
            Text(svg, Width / 2, (PlotTop + PlotBottom) / 2, "No quire engine samples in this run.", "middle", 12);
        }
        else
        {
            WriteTimeSeries(svg, quire);
        }

        WriteRatioBars(svg, results, baselineName);
        svg.Append("</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }

    private static void WriteTimeSeries(StringBuilder svg, EngineResult quire)
    {
        IReadOnlyList<BenchSample> samples = quire.Samples;
        double maxTime = Math.Max(samples[^1].ElapsedSeconds, 1e-3);
        double maxMiB = Math.Max(1e-3, samples.Max(s => Math.Max(s.DirtyBytes ?? 0, Math.Max(s.DirtyLimitBytes ?? 0, s.BackgroundThresholdBytes ?? 0))) / MiB);
        var rates = new List<(double Time, double Rate)>();
        for (int i = 1; i < samples.Count; i++)
        {
            double dt = samples[i].ElapsedSeconds - samples[i - 1].ElapsedSeconds;
            if (dt > 0)
            {
                rates.Add((samples[i].ElapsedSeconds, (samples[i].Operations - samples[i - 1].Operations) / dt));
            }
        }

        double maxRate = Math.Max(1, rates.Count == 0 ? 1 : rates.Max(r => r.Rate));
        double X(double t) => Left + ((Right - Left) * t / maxTime);
        double YMiB(double m) => PlotBottom - ((PlotBottom - PlotTop) * m / maxMiB);
        double YRate(double r) => PlotBottom - ((PlotBottom - PlotTop) * r / maxRate);

        Axes(svg, PlotTop, PlotBottom);
        Text(svg, Left, PlotTop - 8, Invariant($"MiB (max {maxMiB:0.##})"), "start", 11);
        Text(svg, Right, PlotTop - 8, Invariant($"ops/s (max {maxRate:0})"), "end", 11);
        Text(svg, (Left + Right) / 2, PlotBottom + 18, Invariant($"seconds (0 to {maxTime:0.##})"), "middle", 11);
        Polyline(svg, samples.Select(s => (X(s.ElapsedSeconds), YMiB((s.DirtyBytes ?? 0) / MiB))), "#1f77b4", dashed: false);
        Polyline(svg, samples.Select(s => (X(s.ElapsedSeconds), YMiB((s.BackgroundThresholdBytes ?? 0) / MiB))), "#ff7f0e", dashed: true);
        Polyline(svg, samples.Select(s => (X(s.ElapsedSeconds), YMiB((s.DirtyLimitBytes ?? 0) / MiB))), "#d62728", dashed: true);
        Polyline(svg, rates.Select(r => (X(r.Time), YRate(r.Rate))), "#2ca02c", dashed: false);
        Legend(svg, PlotBottom + 36, [("not-durable MiB", "#1f77b4"), ("background threshold", "#ff7f0e"), ("dirty limit", "#d62728"), ("quire ops/s", "#2ca02c")]);
    }

    private static void WriteRatioBars(StringBuilder svg, IReadOnlyList<EngineResult> results, string baselineName)
    {
        EngineResult? baseline = results.FirstOrDefault(r => r.Engine == baselineName);
        Text(svg, Width / 2, BarTop - 14, $"Ratio to the {baselineName} engine: throughput (above 1 is faster) and p99 latency (below 1 is faster)", "middle", 12);
        if (baseline is null)
        {
            Text(svg, Width / 2, (BarTop + BarBottom) / 2, $"No {baselineName} engine in this run: no ratios.", "middle", 12);
            return;
        }

        var bars = results.Select(r => (
            r.Engine,
            Throughput: BenchReport.Ratio(r.OperationsPerSecond, baseline.OperationsPerSecond) ?? 0,
            P99: BenchReport.Ratio(r.Latency.PercentileNanoseconds(99), baseline.Latency.PercentileNanoseconds(99)) ?? 0)).ToList();
        double maxRatio = Math.Max(1.2, bars.Max(b => Math.Max(b.Throughput, b.P99)));
        double Y(double ratio) => BarBottom - ((BarBottom - BarTop) * ratio / maxRatio);
        Axes(svg, BarTop, BarBottom);
        svg.Append(Invariant($"<line x1=\"{Left}\" y1=\"{Y(1):0.#}\" x2=\"{Right}\" y2=\"{Y(1):0.#}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"));
        Text(svg, Left - 4, Y(1) + 4, "1x", "end", 11);
        double slot = (double)(Right - Left) / bars.Count;
        for (int i = 0; i < bars.Count; i++)
        {
            double x = Left + (slot * i) + (slot * 0.15);
            double barWidth = slot * 0.33;
            Bar(svg, x, Y(bars[i].Throughput), barWidth, "#2ca02c", bars[i].Throughput);
            Bar(svg, x + barWidth + 2, Y(bars[i].P99), barWidth, "#9467bd", bars[i].P99);
            Text(svg, x + barWidth, BarBottom + 16, bars[i].Engine, "middle", 12);
        }

        Legend(svg, BarBottom + 36, [("throughput ratio", "#2ca02c"), ("p99 latency ratio", "#9467bd")]);
    }

    private static void Bar(StringBuilder svg, double x, double y, double width, string color, double ratio)
    {
        svg.Append(Invariant($"<rect x=\"{x:0.#}\" y=\"{y:0.#}\" width=\"{width:0.#}\" height=\"{Math.Max(0, BarBottom - y):0.#}\" fill=\"{color}\"/>\n"));
        Text(svg, x + (width / 2), y - 3, Invariant($"{ratio:0.00}x"), "middle", 10);
    }

    private static void Axes(StringBuilder svg, int top, int bottom) =>
        svg.Append(Invariant($"<path d=\"M{Left} {top} V{bottom} H{Right} V{top}\" fill=\"none\" stroke=\"#333\"/>\n"));

    private static void Polyline(StringBuilder svg, IEnumerable<(double X, double Y)> points, string color, bool dashed)
    {
        string list = string.Join(' ', points.Select(p => Invariant($"{p.X:0.#},{p.Y:0.#}")));
        if (list.Length == 0)
        {
            return;
        }

        string dash = dashed ? " stroke-dasharray=\"6 4\"" : string.Empty;
        svg.Append(Invariant($"<polyline points=\"{list}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"{dash}/>\n"));
    }

    private static void Legend(StringBuilder svg, int y, IReadOnlyList<(string Label, string Color)> entries)
    {
        double x = Left;
        foreach ((string label, string color) in entries)
        {
            svg.Append(Invariant($"<rect x=\"{x:0.#}\" y=\"{y - 9}\" width=\"12\" height=\"10\" fill=\"{color}\"/>\n"));
            Text(svg, x + 16, y, label, "start", 11);
            x += 30 + (label.Length * 6.5);
        }
    }

    private static void Text(StringBuilder svg, double x, double y, string text, string anchor, int size) =>
        svg.Append(Invariant($"<text x=\"{x:0.#}\" y=\"{y:0.#}\" text-anchor=\"{anchor}\" font-size=\"{size}\">{SecurityElement.Escape(text)}</text>\n"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
