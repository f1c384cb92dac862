// ProgressSignal: wakes threads waiting for writeback to make progress (throttled writers, the
// laundering of frames), so none sleeps its whole pause once what it waits on has happened: no
// lost wake-ups. Waits are also ended by a timer on the cache's clock.
//
// A waiter may say how little data to write it waits for (a level, in pages to write): a pulse
// that reports a level above it leaves it asleep. Writes complete thousands of times a second,
// and a writer paused below the limit waits only for the data to fall back to freerun; waking it
// for every completed write cost it a quarter of a core in wake-ups that put it straight back to
// sleep. A pulse without a level (data made durable) wakes everyone.
//
// A waiter is a thread blocked on its event (Wait) or an asynchronous caller awaiting a task
// (WaitAsync: a throttled WriteAsync that must not hold a thread while it is paused).
//
// Locking: _lock guards the waiter list; waiters are woken under it (setting an event wakes its
// thread, which takes the lock only when it is done waiting; a task's continuations run
// asynchronously, never under the lock). A wake-up may still be spurious (a timer
// that fires as its wait ends), so every waiter looks again at what it waits for.

namespace Quire.Internal;

internal sealed class ProgressSignal
{
    /// <summary>The level of a waiter that any progress wakes.</summary>
    public const int AnyProgress = int.MaxValue;

    [ThreadStatic]
    private static ManualResetEventSlim? s_woken; // a thread waits on one wait at a time: its event is reused

    private readonly Lock _lock = new();
    private readonly List<(object Woken, int Level)> _waiters = []; // (_lock): a ManualResetEventSlim or a TaskCompletionSource
    private int _highestLevel = int.MinValue; // (_lock) writes; lock-free reads, so a pulse that wakes nobody costs a read

    /// <summary>The threads waiting now.</summary>
    public int Waiters
    {
        get
        {
            using (LockOrder.Enter(_lock, LockRank.Leaf))
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>Wakes every current waiter.</summary>
    public void Pulse() => Pulse(int.MinValue);

    /// <summary>Wakes the waiters whose level is at or above <paramref name="pagesToWrite"/>, the data left to write after the progress made.</summary>
    public void Pulse(int pagesToWrite)
    {
        if (Volatile.Read(ref _highestLevel) < pagesToWrite)
        {
            return;
        }

        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Level >= pagesToWrite)
                {
                    Wake(_waiters[i].Woken);
                    _waiters.RemoveAt(i);
                }
            }

            UpdateHighestLevelLocked();
        }
    }

    /// <summary>
    /// Waits until a pulse for <paramref name="level"/> (see <see cref="Pulse(int)"/>) or until
    /// <paramref name="timeout"/> passes on <paramref name="timeProvider"/>; returns at once for a
    /// timeout of zero or less. May return early, spuriously: the caller looks again.
    /// </summary>
    public void Wait(TimeProvider timeProvider, TimeSpan timeout, int level = AnyProgress)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return; // a deadline computed a moment ago may have passed already
        }

        ManualResetEventSlim woken = s_woken ??= new ManualResetEventSlim();
        woken.Reset();
        Add(woken, level);

        try
        {
            if (timeProvider == TimeProvider.System)
            {
                woken.Wait(timeout);
            }
            else
            {
                using ITimer timer = timeProvider.CreateTimer(static state => ((ManualResetEventSlim)state!).Set(), woken, timeout, Timeout.InfiniteTimeSpan);

                // Bounded even if the clock never reaches the timeout (a manual clock nobody advances).
                woken.Wait(TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            Remove(woken);
        }
    }

    /// <summary>
    /// Waits asynchronously, holding no thread, with the same contract as
    /// <see cref="Wait(TimeProvider, TimeSpan, int)"/>; <paramref name="cancellationToken"/> ends
    /// the wait early, as a pulse would (it does not throw).
    /// </summary>
    public async ValueTask WaitAsync(TimeProvider timeProvider, TimeSpan timeout, int level, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero || cancellationToken.IsCancellationRequested)
        {
            return;
        }

        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Add(woken, level);
        try
        {
            using ITimer timer = timeProvider.CreateTimer(static state => ((TaskCompletionSource)state!).TrySetResult(), woken, timeout, Timeout.InfiniteTimeSpan);
            using CancellationTokenRegistration cancelled = cancellationToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), woken);
            if (timeProvider == TimeProvider.System)
            {
                await woken.Task.ConfigureAwait(false);
            }
            else
            {
                // Bounded even if the clock never reaches the timeout, as Wait is.
                await woken.Task.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            Remove(woken);
        }
    }

    private static void Wake(object woken)
    {
        if (woken is ManualResetEventSlim thread)
        {
            thread.Set();
        }
        else
        {
            ((TaskCompletionSource)woken).TrySetResult();
        }
    }

    private void Add(object woken, int level)
    {
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            _waiters.Add((woken, level));
            UpdateHighestLevelLocked();
        }
    }

    private void Remove(object woken)
    {
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            for (int i = 0; i < _waiters.Count; i++)
            {
                if (_waiters[i].Woken == woken)
                {
                    _waiters.RemoveAt(i);
                    UpdateHighestLevelLocked();
                    break;
                }
            }
        }
    }

    private void UpdateHighestLevelLocked()
    {
        int highest = int.MinValue;
        foreach ((object _, int level) in _waiters)
        {
            highest = Math.Max(highest, level);
        }

        Volatile.Write(ref _highestLevel, highest);
    }
}
