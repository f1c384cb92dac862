// LatencyLog: the latency of every operation a disk contender makes in its measured rounds
// (Stopwatch ticks), summarized as percentiles for the report. DiskRounds turns recording on
// for measured rounds only, so warm-up rounds (JIT, first touch) do not count.
//
// Locking: one recording thread at a time (the contender's round); Summarize after the rounds.

using System.Diagnostics;

namespace Quire.Benchmarks;

internal sealed class LatencyLog
{
    private long[] _ticks = new long[1 << 16];
    private int _count;

    /// <summary>Whether Record keeps what it is given; DiskRounds sets it for measured rounds.</summary>
    public bool Recording { get; set; }

    /// <summary>Records one operation that began at <paramref name="startTimestamp"/> (Stopwatch.GetTimestamp) and ended now.</summary>
    public void Record(long startTimestamp)
    {
        if (!Recording)
        {
            return;
        }

        if (_count == _ticks.Length)
        {
            Array.Resize(ref _ticks, _ticks.Length * 2);
        }

        _ticks[_count++] = Stopwatch.GetTimestamp() - startTimestamp;
    }

    /// <summary>The percentiles of what was recorded, in microseconds; null if nothing was.</summary>
    public LatencySummary? Summarize()
    {
        if (_count == 0)
        {
            return null;
        }

        long[] sorted = _ticks[.._count];
        Array.Sort(sorted);
        double Microseconds(double fraction) => sorted[Math.Min(sorted.Length - 1, (int)(fraction * sorted.Length))] * 1e6 / Stopwatch.Frequency;
        return new LatencySummary
        {
            Operations = sorted.Length,
            P50Microseconds = Microseconds(0.50),
            P99Microseconds = Microseconds(0.99),
            P999Microseconds = Microseconds(0.999),
            MaxMicroseconds = sorted[^1] * 1e6 / Stopwatch.Frequency,
        };
    }
}
