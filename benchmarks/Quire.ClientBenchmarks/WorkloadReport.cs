// WorkloadReport: turns one workload's runs into a table, printed to the console and appended to
// the markdown fragment. For every phase and engine: the median rate over the rounds; the ratio of
// the engine's rate to each baseline's in the same round (median and range over the rounds; above
// 1 the engine was faster); for Quire engines the share of the phase's wall time writers spent in
// dirty-throttle pauses, and the cache's write counters (medians over the rounds).

using System.Globalization;
using System.Text;

namespace Quire.ClientBenchmarks;

internal static class WorkloadReport
{
    /// <summary>Prints the table and returns it as markdown.</summary>
    public static string Build(string title, string unitNote, IReadOnlyList<Contender> contenders, EngineRun[][] runs, IReadOnlyList<string> baselines)
    {
        var header = new List<string> { "Phase", "Engine", "Rate or time (median)" };
        header.AddRange(baselines.Select(baseline => $"vs {baseline}"));
        header.AddRange(["Throttle share of phase", "Durable flushes", "Pages written", "Write IOs", "Throttle pauses"]);
        var rows = new List<string[]>();
        IEnumerable<string> phases = runs[0][0].Phases.Select(phase => phase.Phase);
        foreach (string phase in phases)
        {
            for (int engine = 0; engine < contenders.Count; engine++)
            {
                PhaseResult[] perRound = runs[engine].Select(run => run.Phase(phase)).ToArray();
                var row = new List<string>
                {
                    phase,
                    contenders[engine].Name,
                    FormatRate(Spread.Of(perRound.Select(result => result.OperationsPerSecond).ToArray()).Median, perRound[0].Operations),
                };
                foreach (string baseline in baselines)
                {
                    int baselineIndex = IndexOf(contenders, baseline);
                    if (baselineIndex == engine)
                    {
                        row.Add("baseline");
                        continue;
                    }

                    double[] ratios = perRound.Select((result, round) => result.OperationsPerSecond / runs[baselineIndex][round].Phase(phase).OperationsPerSecond).ToArray();
                    row.Add(Spread.Of(ratios).FormatRatio());
                }

                if (perRound[0].Counters is null)
                {
                    row.AddRange(["", "", "", "", ""]);
                }
                else
                {
                    row.Add(Spread.Of(perRound.Select(result => result.ThrottleShare).ToArray()).FormatPercent());
                    row.Add(Median(perRound, counters => counters.DurableFlushes));
                    row.Add(Median(perRound, counters => counters.PagesWritten));
                    row.Add(Median(perRound, counters => counters.WriteIos));
                    row.Add(Median(perRound, counters => counters.ThrottlePauses));
                }

                rows.Add(row.ToArray());
            }
        }

        PrintTable(title, header, rows);
        var markdown = new StringBuilder();
        markdown.AppendLine(CultureInfo.InvariantCulture, $"#### {title}").AppendLine();
        markdown.AppendLine("| " + string.Join(" | ", header) + " |");
        markdown.AppendLine("|" + string.Concat(header.Select(_ => " --- |")));
        foreach (string[] row in rows)
        {
            markdown.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        markdown.AppendLine().AppendLine(unitNote).AppendLine();
        return markdown.ToString();
    }

    private static int IndexOf(IReadOnlyList<Contender> contenders, string name)
    {
        for (int i = 0; i < contenders.Count; i++)
        {
            if (contenders[i].Name == name)
            {
                return i;
            }
        }

        throw new ArgumentException($"No contender is named '{name}'.", nameof(name));
    }

    private static string Median(PhaseResult[] perRound, Func<QuireCounters, long> counter) =>
        Spread.Of(perRound.Select(result => (double)counter(result.Counters!)).ToArray()).Median.ToString("0", CultureInfo.InvariantCulture);

    /// <summary>"12,345/s of 100,000", or for a phase that is one operation (closing) its time in milliseconds.</summary>
    private static string FormatRate(double operationsPerSecond, long operations) => operations == 1
        ? string.Create(CultureInfo.InvariantCulture, $"{1000 / operationsPerSecond:0.0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{operationsPerSecond:#,0}/s of {operations:#,0}");

    private static void PrintTable(string title, List<string> header, List<string[]> rows)
    {
        int[] widths = header.Select((name, column) => Math.Max(name.Length, rows.Count == 0 ? 0 : rows.Max(row => row[column].Length))).ToArray();
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine(string.Join("  ", header.Select((name, column) => name.PadRight(widths[column]))));
        foreach (string[] row in rows)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, column) => cell.PadRight(widths[column]))));
        }

        Console.WriteLine();
    }
}
