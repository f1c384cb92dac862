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
// Locking: _lock guards the waiter list; events are set under it (setting one wakes its thread,
// which takes the lock only when it is done waiting). A wake-up may still be spurious (a timer
// that fires as its wait ends), so every waiter looks again at what it waits for.

namespace Quire.Internal;

internal sealed class ProgressSignal
{
    /// <summary>The level of a waiter that any progress wakes.</summary>
    public const int AnyProgress = int.MaxValue;

    [ThreadStatic]
    private static ManualResetEventSlim? s_woken; // a thread waits on one wait at a time: its event is reused

    private readonly Lock _lock = new();
    private readonly List<(ManualResetEventSlim Woken, int Level)> _waiters = []; // (_lock)
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
                    _waiters[i].Woken.Set();
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
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            _waiters.Add((woken, level));
            UpdateHighestLevelLocked();
        }

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
    }

    private void UpdateHighestLevelLocked()
    {
        int highest = int.MinValue;
        foreach ((ManualResetEventSlim _, int level) in _waiters)
        {
            highest = Math.Max(highest, level);
        }

        Volatile.Write(ref _highestLevel, highest);
    }
}
