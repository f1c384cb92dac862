// ProgressSignal: wakes every thread waiting for writeback to make progress (throttled
// writers), so none sleeps its whole pause once the data it waits on became durable: no lost
// wake-ups (RELIABILITY C5). Waits are also ended by a timer on the cache's clock.
//
// Locking: _lock guards the waiter list; events are set outside it.

namespace Quire.Internal;

internal sealed class ProgressSignal
{
    private readonly Lock _lock = new();
    private List<ManualResetEventSlim> _waiters = []; // (_lock)
    private int _waiterCount; // (_lock) writes; lock-free reads, so a pulse nobody waits for costs a read

    /// <summary>Wakes every current waiter.</summary>
    public void Pulse()
    {
        if (Volatile.Read(ref _waiterCount) == 0)
        {
            return;
        }

        List<ManualResetEventSlim> waiters;
        lock (_lock)
        {
            if (_waiters.Count == 0)
            {
                return;
            }

            waiters = _waiters;
            _waiters = [];
            Volatile.Write(ref _waiterCount, 0);
        }

        foreach (ManualResetEventSlim waiter in waiters)
        {
            waiter.Set();
        }
    }

    /// <summary>Waits until <see cref="Pulse"/> or until <paramref name="timeout"/> passes on <paramref name="timeProvider"/>; returns at once for a timeout of zero or less.</summary>
    public void Wait(TimeProvider timeProvider, TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return; // a deadline computed a moment ago may have passed already
        }

        using var woken = new ManualResetEventSlim();
        lock (_lock)
        {
            _waiters.Add(woken);
            Volatile.Write(ref _waiterCount, _waiters.Count);
        }

        try
        {
            using ITimer timer = timeProvider.CreateTimer(static state => ((ManualResetEventSlim)state!).Set(), woken, timeout, Timeout.InfiniteTimeSpan);

            // Bounded even if the clock never reaches the timeout (a manual clock nobody advances).
            woken.Wait(TimeSpan.FromSeconds(10));
        }
        finally
        {
            lock (_lock)
            {
                _waiters.Remove(woken);
                Volatile.Write(ref _waiterCount, _waiters.Count);
            }
        }
    }
}
