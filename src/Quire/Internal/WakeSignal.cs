// WakeSignal: a cheap auto-reset wake-up for a background thread: Set is a volatile read when a
// wake-up is already pending, so writers can call it on every dirtying without contention.
//
// Locking: _pending is atomic; _monitor is held only to wait and to pulse.

namespace Quire.Internal;

internal sealed class WakeSignal
{
    private readonly object _monitor = new();
    private int _pending; // (A) 1 when a wake-up is pending

    /// <summary>Requests a wake-up; returns at once.</summary>
    public void Set()
    {
        if (Volatile.Read(ref _pending) != 0 || Interlocked.Exchange(ref _pending, 1) != 0)
        {
            return;
        }

        using (LockOrder.Enter(_monitor, LockRank.Leaf))
        {
            Monitor.PulseAll(_monitor);
        }
    }

    /// <summary>Waits for a wake-up or the timeout; consumes the wake-up. Returns whether one came.</summary>
    public bool Wait(TimeSpan timeout)
    {
        using (LockOrder.Enter(_monitor, LockRank.Leaf))
        {
            if (Interlocked.Exchange(ref _pending, 0) != 0)
            {
                return true;
            }

            LockOrder.Wait(_monitor, timeout, LockRank.Leaf);
            return Interlocked.Exchange(ref _pending, 0) != 0;
        }
    }
}
