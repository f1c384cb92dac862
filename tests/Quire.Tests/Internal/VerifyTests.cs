// Proves the always-on check latches: a failed check throws PageCacheInvariantException with its
// message, the first failure is kept however many follow, and once latched every later
// ThrowIfLatched throws with the first failure as its inner exception.

using Quire.Internal;

namespace Quire.Tests.Internal;

public sealed class VerifyTests
{
    [Fact]
    public void HoldingCheckNeitherThrowsNorLatches()
    {
        var verify = new Verify();

        verify.That(true, "nothing");
        verify.ThrowIfLatched();

        Assert.Null(verify.Failure);
    }

    [Fact]
    public void FailedCheckThrowsWithItsMessageAndLatches()
    {
        var verify = new Verify();

        var error = Assert.Throws<PageCacheInvariantException>(() => verify.That(false, "page 7 would be lost"));

        Assert.Equal("page 7 would be lost", error.Message);
        Assert.Same(error, verify.Failure);
    }

    [Fact]
    public void LatchKeepsTheFirstFailure()
    {
        var verify = new Verify();
        var first = Assert.Throws<PageCacheInvariantException>(() => verify.That(false, "first"));

        var second = Assert.Throws<PageCacheInvariantException>(() => verify.That(false, "second"));

        Assert.Equal("second", second.Message);
        Assert.Same(first, verify.Failure);
    }

    [Fact]
    public void LatchedVerifyRefusesEveryLaterWrite()
    {
        var verify = new Verify();
        var first = Assert.Throws<PageCacheInvariantException>(() => verify.That(false, "cluster not consecutive"));

        for (int i = 0; i < 3; i++)
        {
            var refused = Assert.Throws<PageCacheInvariantException>(verify.ThrowIfLatched);
            Assert.Same(first, refused.InnerException);
            Assert.Contains("cluster not consecutive", refused.Message, StringComparison.Ordinal);
        }

        verify.That(true, "a later check that holds does not clear the latch");
        Assert.Same(first, verify.Failure);
    }

    [Fact]
    public void ConcurrentFailuresLatchExactlyOne()
    {
        var verify = new Verify();
        var thrown = new PageCacheInvariantException?[4];
        var threads = new Thread[thrown.Length];
        for (int t = 0; t < threads.Length; t++)
        {
            int index = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    verify.That(false, $"failure {index}");
                }
                catch (PageCacheInvariantException e)
                {
                    thrown[index] = e;
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.All(thrown, Assert.NotNull);
        Assert.Single(thrown, e => ReferenceEquals(e, verify.Failure));
    }
}
