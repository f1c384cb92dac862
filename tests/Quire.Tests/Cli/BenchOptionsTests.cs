// Proves the parsing of the size and duration values `quire bench` and `quire top` take, and the
// skew of the zipfian generator the zipfian workloads draw pages from (seeded, so it replays).

using Quire.Cli.Bench;

namespace Quire.Tests.Cli;

public sealed class BenchOptionsTests
{
    [Theory]
    [InlineData("4096", 4096)]
    [InlineData("512KiB", 512L << 10)]
    [InlineData("64MiB", 64L << 20)]
    [InlineData("64m", 64L << 20)]
    [InlineData("2G", 2L << 30)]
    [InlineData("1TB", 1L << 40)]
    [InlineData(" 8 KiB ", 8L << 10)]
    public void SizesParseWithBinaryUnits(string text, long expected)
    {
        Assert.True(BenchOptions.TryParseSize(text, out long bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-1MiB")]
    [InlineData("1.5MiB")]
    [InlineData("12x")]
    [InlineData("99999999999999999999")]
    [InlineData("9999999999999T")]
    public void BadSizesDoNotParse(string text)
    {
        Assert.False(BenchOptions.TryParseSize(text, out _));
    }

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    public void DurationsParseWithUnits(string text, double expectedMilliseconds)
    {
        Assert.True(BenchOptions.TryParseDuration(text, out TimeSpan duration));
        Assert.Equal(expectedMilliseconds, duration.TotalMilliseconds, precision: 6);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("s")]
    [InlineData("-1s")]
    [InlineData("25h")]
    [InlineData("ten seconds")]
    public void BadDurationsDoNotParse(string text)
    {
        Assert.False(BenchOptions.TryParseDuration(text, out _));
    }

    [Fact]
    public void ZipfianDrawsAreInRangeAndSkewed()
    {
        const long ItemCount = 10_000;
        var generator = new ZipfianGenerator(ItemCount);
        var random = new Random(7);
        int topRanks = 0;
        var distinct = new HashSet<long>();
        for (int i = 0; i < 20_000; i++)
        {
            long rank = generator.NextRank(random);
            long item = generator.Next(random);
            Assert.InRange(rank, 0, ItemCount - 1);
            Assert.InRange(item, 0, ItemCount - 1);
            distinct.Add(item);
            if (rank < ItemCount / 10)
            {
                topRanks++;
            }
        }

        // With skew 0.99, the most popular 10 % of the items draw well over half of the draws;
        // a uniform draw would give them 10 %.
        Assert.True(topRanks > 20_000 / 2, $"The top 10 % ranks drew {topRanks} of 20000.");
        Assert.True(distinct.Count > 1000, $"Only {distinct.Count} distinct items were drawn.");
    }
}
