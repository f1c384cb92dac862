// Spread: the median and the range of a few per-round values (3 to 7 rounds here), the figures the
// report gives instead of a mean: one slow round on a shared machine moves a mean, not a median.

using System.Globalization;

namespace Quire.ClientBenchmarks;

internal readonly record struct Spread(double Median, double Min, double Max)
{
    public static Spread Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("A spread needs at least one value.", nameof(values));
        }

        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Spread(median, sorted[0], sorted[^1]);
    }

    /// <summary>"0.93x (0.88-1.01)".</summary>
    public string FormatRatio() => string.Create(CultureInfo.InvariantCulture, $"{Median:0.00}x ({Min:0.00}-{Max:0.00})");

    /// <summary>"12.3 % (10.1-15.0)".</summary>
    public string FormatPercent() => string.Create(CultureInfo.InvariantCulture, $"{Median * 100:0.0} % ({Min * 100:0.0}-{Max * 100:0.0})");
}
