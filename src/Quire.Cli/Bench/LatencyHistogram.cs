// LatencyHistogram: a compact log-linear histogram of latencies in nanoseconds (HdrHistogram's
// layout, written small): values below 64 ns have a bucket each; above, each power of two is
// split into 32 buckets, so a percentile is reported within 1/32 (3.1 %) of the true value, above
// it, never below. The minimum, maximum, count and sum are kept exactly.
//
// Locking: none. One histogram per worker thread; merge them after the threads are joined.
// Invariant: Count equals the sum of the buckets.

using System.Diagnostics;
using System.Numerics;

namespace Quire.Cli.Bench;

internal sealed class LatencyHistogram
{
    // 32 buckets per power of two: 1/32 relative precision, 1.2 k buckets (9 KiB) in all.
    private const int SubBucketBits = 5;
    private const int SubBucketCount = 1 << SubBucketBits;

    // 2^40 ns (18 minutes): longer latencies are recorded as this; no bench operation lasts that long.
    private const int MaxValueBits = 40;
    private const long MaxTrackableNanoseconds = (1L << MaxValueBits) - 1;

    private readonly long[] _buckets = new long[BucketIndex(MaxTrackableNanoseconds) + 1];

    /// <summary>The number of values recorded.</summary>
    public long Count { get; private set; }

    /// <summary>The smallest value recorded, in nanoseconds, or 0 when empty.</summary>
    public long MinNanoseconds { get; private set; }

    /// <summary>The largest value recorded, in nanoseconds (exact), or 0 when empty.</summary>
    public long MaxNanoseconds { get; private set; }

    /// <summary>The sum of the values recorded, in nanoseconds.</summary>
    public long TotalNanoseconds { get; private set; }

    /// <summary>The mean, in nanoseconds, or 0 when empty.</summary>
    public double MeanNanoseconds => Count == 0 ? 0 : (double)TotalNanoseconds / Count;

    /// <summary>Records one latency given as <see cref="Stopwatch"/> ticks.</summary>
    public void RecordTicks(long ticks) => Record(TicksToNanoseconds(ticks));

    /// <summary>Records one latency in nanoseconds; negative values count as 0.</summary>
    public void Record(long nanoseconds)
    {
        long value = Math.Clamp(nanoseconds, 0, MaxTrackableNanoseconds);
        _buckets[BucketIndex(value)]++;
        MinNanoseconds = Count == 0 ? value : Math.Min(MinNanoseconds, value);
        MaxNanoseconds = Math.Max(MaxNanoseconds, value);
        TotalNanoseconds += value;
        Count++;
    }

    /// <summary>Adds every value of <paramref name="other"/> to this histogram.</summary>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0)
        {
            return;
        }

        for (int i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] += other._buckets[i];
        }

        MinNanoseconds = Count == 0 ? other.MinNanoseconds : Math.Min(MinNanoseconds, other.MinNanoseconds);
        MaxNanoseconds = Math.Max(MaxNanoseconds, other.MaxNanoseconds);
        TotalNanoseconds += other.TotalNanoseconds;
        Count += other.Count;
    }

    /// <summary>The histogram as numbers (count, min, max, total, then every bucket), to pass it to another process.</summary>
    public long[] ToArray() => [Count, MinNanoseconds, MaxNanoseconds, TotalNanoseconds, .. _buckets];

    /// <summary>The histogram <see cref="ToArray"/> made.</summary>
    /// <exception cref="FormatException">The numbers are not a histogram of this layout.</exception>
    public static LatencyHistogram FromArray(IReadOnlyList<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var histogram = new LatencyHistogram();
        if (values.Count != 4 + histogram._buckets.Length)
        {
            throw new FormatException($"A histogram has {4 + histogram._buckets.Length} numbers, not {values.Count}.");
        }

        for (int i = 0; i < histogram._buckets.Length; i++)
        {
            histogram._buckets[i] = values[4 + i];
        }

        histogram.Count = values[0];
        histogram.MinNanoseconds = values[1];
        histogram.MaxNanoseconds = values[2];
        histogram.TotalNanoseconds = values[3];
        if (histogram._buckets.Sum() != histogram.Count)
        {
            throw new FormatException("The histogram's buckets do not add up to its count.");
        }

        return histogram;
    }

    /// <summary>
    /// The value at or below which <paramref name="percentile"/> % of the values lie: the highest
    /// value of the bucket holding the value of that rank (nearest-rank), never more than the
    /// maximum. 0 when empty.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is not in [0, 100].</exception>
    public long PercentileNanoseconds(double percentile)
    {
        if (percentile is < 0 or > 100 || double.IsNaN(percentile))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "The percentile must be from 0 to 100.");
        }

        if (Count == 0)
        {
            return 0;
        }

        // Nearest rank: the smallest value with at least this many values at or below it. The
        // product is taken before the division, and a rounding error's worth is taken off, so
        // that 99.9 % of 1000 values is rank 999, not 1000 (99.9 / 100 is 0.9990000000000001).
        long rank = Math.Max(1, (long)Math.Ceiling((percentile * Count / 100) - 1e-9));
        long seen = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= rank)
            {
                return Math.Min(BucketHighestValue(i), MaxNanoseconds);
            }
        }

        Debug.Fail("The buckets hold fewer values than Count.");
        return MaxNanoseconds;
    }

    public static long TicksToNanoseconds(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));

    private static int BucketIndex(long value)
    {
        if (value < 2 * SubBucketCount)
        {
            return (int)value;
        }

        int shift = (63 - BitOperations.LeadingZeroCount((ulong)value)) - SubBucketBits;
        int mantissa = (int)(value >> shift);
        Debug.Assert(mantissa is >= SubBucketCount and < 2 * SubBucketCount, "The mantissa has SubBucketBits + 1 bits.");
        return (shift * SubBucketCount) + mantissa;
    }

    private static long BucketHighestValue(int index)
    {
        if (index < 2 * SubBucketCount)
        {
            return index;
        }

        int shift = (index / SubBucketCount) - 1;
        long mantissa = (index % SubBucketCount) + SubBucketCount;
        return ((mantissa + 1) << shift) - 1;
    }
}
