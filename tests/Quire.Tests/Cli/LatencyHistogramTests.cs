// Proves the bench's latency histogram reports the right percentiles: exact below 64 ns, within
// 1/32 above the true nearest-rank value (never below it) elsewhere, exact minimum, maximum and
// count, and that merging histograms equals recording into one. Random data prints its seed.

using Quire.Cli.Bench;
using Quire.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Quire.Tests.Cli;

public sealed class LatencyHistogramTests(ITestOutputHelper output)
{
    [Fact]
    public void SmallValuesAreExact()
    {
        var histogram = new LatencyHistogram();
        for (int value = 50; value >= 1; value--)
        {
            histogram.Record(value);
        }

        Assert.Equal(50, histogram.Count);
        Assert.Equal(1, histogram.MinNanoseconds);
        Assert.Equal(50, histogram.MaxNanoseconds);
        Assert.Equal(25, histogram.PercentileNanoseconds(50));
        Assert.Equal(50, histogram.PercentileNanoseconds(99));
        Assert.Equal(1, histogram.PercentileNanoseconds(0));
        Assert.Equal(25.5, histogram.MeanNanoseconds);
    }

    [Fact]
    public void PercentilesOfAUniformRangeAreWithinOneThirtySecond()
    {
        var histogram = new LatencyHistogram();
        for (long value = 1; value <= 100_000; value++)
        {
            histogram.Record(value * 1000);
        }

        AssertClose(50_000_000, histogram.PercentileNanoseconds(50));
        AssertClose(99_000_000, histogram.PercentileNanoseconds(99));
        AssertClose(99_900_000, histogram.PercentileNanoseconds(99.9));
        Assert.Equal(100_000_000, histogram.PercentileNanoseconds(100));
        Assert.Equal(100_000_000, histogram.MaxNanoseconds);
        Assert.Equal(1000, histogram.MinNanoseconds);
    }

    [Fact]
    public void OneOutlierIsTheMaximumAndNotTheMedian()
    {
        var histogram = new LatencyHistogram();
        for (int i = 0; i < 999; i++)
        {
            histogram.Record(10_000);
        }

        histogram.Record(5_000_000_000);

        AssertClose(10_000, histogram.PercentileNanoseconds(50));
        AssertClose(10_000, histogram.PercentileNanoseconds(99.9));
        Assert.Equal(5_000_000_000, histogram.PercentileNanoseconds(100));
        Assert.Equal(5_000_000_000, histogram.MaxNanoseconds);
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void PercentilesOfRandomDataMatchTheSortedValues(ulong seed)
    {
        output.WriteLine($"Seed: {seed}");
        var random = new SeededRandom(seed);
        var histogram = new LatencyHistogram();
        long[] values = new long[10_000];
        for (int i = 0; i < values.Length; i++)
        {
            // Log-uniform from 1 ns to about 1 s, as latencies spread.
            values[i] = (long)Math.Pow(10, random.Next(0, 9_000) / 1000.0);
            histogram.Record(values[i]);
        }

        Array.Sort(values);
        foreach (double percentile in (double[])[1, 10, 50, 90, 99, 99.9, 100])
        {
            long rank = Math.Max(1, (long)Math.Ceiling((percentile * values.Length / 100) - 1e-9));
            AssertClose(values[rank - 1], histogram.PercentileNanoseconds(percentile), $"p{percentile}, seed {seed}");
        }
    }

    [Fact]
    public void MergedHistogramsEqualOneHistogramOfAllValues()
    {
        var all = new LatencyHistogram();
        var first = new LatencyHistogram();
        var second = new LatencyHistogram();
        for (long value = 1; value <= 5000; value++)
        {
            all.Record(value * 37);
            (value % 3 == 0 ? first : second).Record(value * 37);
        }

        first.Add(second);

        Assert.Equal(all.Count, first.Count);
        Assert.Equal(all.MinNanoseconds, first.MinNanoseconds);
        Assert.Equal(all.MaxNanoseconds, first.MaxNanoseconds);
        Assert.Equal(all.TotalNanoseconds, first.TotalNanoseconds);
        foreach (double percentile in (double[])[0, 50, 90, 99, 99.9, 100])
        {
            Assert.Equal(all.PercentileNanoseconds(percentile), first.PercentileNanoseconds(percentile));
        }
    }

    [Fact]
    public void EmptyHistogramReportsZeros()
    {
        var histogram = new LatencyHistogram();
        histogram.Add(new LatencyHistogram());

        Assert.Equal(0, histogram.Count);
        Assert.Equal(0, histogram.PercentileNanoseconds(99));
        Assert.Equal(0, histogram.MaxNanoseconds);
        Assert.Equal(0, histogram.MeanNanoseconds);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void PercentileOutsideZeroToHundredIsRefused(double percentile)
    {
        var histogram = new LatencyHistogram();
        histogram.Record(1);

        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.PercentileNanoseconds(percentile));
    }

    [Fact]
    public void NegativeAndHugeValuesAreClamped()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(-5);
        histogram.Record(long.MaxValue);

        Assert.Equal(0, histogram.MinNanoseconds);
        Assert.Equal((1L << 40) - 1, histogram.MaxNanoseconds);
        Assert.Equal(0, histogram.PercentileNanoseconds(50));
    }

    private static void AssertClose(long expected, long actual, string? context = null)
    {
        // Never below the true value, and at most 1/32 above it (the bucket's width).
        Assert.True(
            actual >= expected && actual <= expected + (expected / 32) + 1,
            $"Expected {expected} (to +1/32), but got {actual}. {context}");
    }
}
