// Proves the progress signal's contract: a pulse wakes every waiter; a pulse with a level wakes
// only the waiters waiting for that little data to write or more; a wait ends by itself at its
// timeout on the given clock; and a timeout already passed (zero or negative, as a deadline
// computed a moment earlier can be) returns at once instead of failing the waiting writer.

using Quire.Internal;

namespace Quire.Tests.Internal;

public sealed class ProgressSignalTests
{
    [Fact]
    public void APulseWakesEveryWaiter()
    {
        var signal = new ProgressSignal();
        using var started = new CountdownEvent(2);
        Thread[] waiters = [.. Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            started.Signal();
            signal.Wait(TimeProvider.System, TimeSpan.FromSeconds(30));
        }))];
        foreach (Thread waiter in waiters)
        {
            waiter.Start();
        }

        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
        Assert.True(SpinWait.SpinUntil(() =>
        {
            signal.Pulse();
            return waiters.All(w => !w.IsAlive);
        }, TimeSpan.FromSeconds(10)), "Both waiters were woken long before their 30 s timeout.");
    }

    [Fact]
    public void APulseWakesOnlyTheWaitersItsLevelSatisfies()
    {
        var signal = new ProgressSignal();
        var waiter = new Thread(() => signal.Wait(TimeProvider.System, TimeSpan.FromSeconds(30), level: 10));
        waiter.Start();
        Assert.True(SpinWait.SpinUntil(() => signal.Waiters == 1, TimeSpan.FromSeconds(10)), "The waiter registered.");

        signal.Pulse(11); // still more to write than it waits for

        Assert.Equal(1, signal.Waiters);
        Assert.True(waiter.IsAlive);

        signal.Pulse(10);

        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), "A pulse at its level woke it long before its 30 s timeout.");
        Assert.Equal(0, signal.Waiters);
    }

    [Fact]
    public void APulseWithoutALevelWakesAWaiterThatHasOne()
    {
        var signal = new ProgressSignal();
        var waiter = new Thread(() => signal.Wait(TimeProvider.System, TimeSpan.FromSeconds(30), level: 0));
        waiter.Start();
        Assert.True(SpinWait.SpinUntil(() => signal.Waiters == 1, TimeSpan.FromSeconds(10)), "The waiter registered.");

        signal.Pulse();

        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), "Data made durable wakes every waiter.");
    }

    [Fact]
    public void AWaitEndsAtItsTimeout()
    {
        var signal = new ProgressSignal();
        var started = System.Diagnostics.Stopwatch.StartNew();

        signal.Wait(TimeProvider.System, TimeSpan.FromMilliseconds(20));

        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(15), $"waited {started.Elapsed}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void ATimeoutAlreadyPassedReturnsAtOnce(int milliseconds)
    {
        var signal = new ProgressSignal();

        signal.Wait(TimeProvider.System, TimeSpan.FromMilliseconds(milliseconds));
    }
}
