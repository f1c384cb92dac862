// Proves a striped counter sums every increment exactly once the adding threads have finished,
// whichever processors they ran on: threads add known amounts, the test joins them and reads.

using Quire.Metrics;

namespace Quire.Tests.Metrics;

public sealed class StripedCounterTests
{
    [Fact]
    public void NewCounterIsZero()
    {
        Assert.Equal(0, new StripedCounter().Value);
    }

    [Fact]
    public void AddAndIncrementSum()
    {
        var counter = new StripedCounter();

        counter.Increment();
        counter.Add(41);
        counter.Add(-2);

        Assert.Equal(40, counter.Value);
    }

    [Fact]
    public void IncrementsFromManyThreadsAreAllCounted()
    {
        const int threadCount = 4;
        const int incrementsPerThread = 50_000;
        var counter = new StripedCounter();
        var threads = new Thread[threadCount];
        for (int t = 0; t < threadCount; t++)
        {
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < incrementsPerThread; i++)
                {
                    counter.Increment();
                }

                counter.Add(1000);
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.Equal(threadCount * (incrementsPerThread + 1000L), counter.Value);
    }
}
