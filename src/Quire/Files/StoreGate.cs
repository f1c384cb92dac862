// StoreGate: orders I/O on a file's store against changes of its size and against its close: a
// reader-writer gate. Its shared side is I/O (writebacks and durable flushes: EnterIo, TryEnterIo,
// ExitIo), any number at once; its exclusive sides are a size change (EnterResize, TryEnterResize,
// ExitResize), so a write issued against the old size can never land after the store was cut
// (P7), and the close (EnterClose, ExitClose), which waits for I/O in flight and lets none begin
// after it, so nothing touches a disposed store. The Try forms never wait: memory cleaning, which
// may run while pages are held, uses only them (docs/ARCHITECTURE.md, "Lock order").
//
// Locking: _gate is a monitor of its own, never taken with the file lock held; it guards every
// field here (a leaf: it is held only to look and to wait). Waits are bounded by the caller's
// deadline. The gate itself ranks as LockRank.StoreGate: EnterIo, EnterResize and EnterClose are
// blocking acquisitions LockOrder checks; every entry counts as held by its thread until the
// matching Exit, which the same thread calls.

using System.Diagnostics;
using Quire.Internal;

namespace Quire.Files;

internal sealed class StoreGate(string name)
{
    private readonly object _gate = new();
    private int _ioInFlight; // (_gate)
    private bool _resizing; // (_gate)
    private bool _closing; // (_gate) a close waits for I/O in flight; none begins meanwhile
    private bool _closed; // (_gate) the store is being or was disposed: no I/O may begin until Reopen

    /// <summary>Lets I/O on the store (a writeback, a durable flush) begin unless the size is changing or the file is closing or closed; returns false then.</summary>
    public bool TryEnterIo()
    {
        using (LockOrder.Enter(_gate, LockRank.Leaf))
        {
            if (_resizing || _closing || _closed)
            {
                return false;
            }

            _ioInFlight++;
            LockOrder.Acquired(LockRank.StoreGate);
            return true;
        }
    }

    /// <summary>
    /// Lets I/O on the store begin, waiting while the size changes or a close is tried; returns false
    /// if the file is closed (its data was all durable when it closed). Throws <see cref="TimeoutException"/> at the deadline.
    /// </summary>
    public bool EnterIo(Deadline deadline)
    {
        LockOrder.CheckBlocking(LockRank.StoreGate);
        using (LockOrder.Enter(_gate, LockRank.Leaf))
        {
            while ((_resizing || _closing) && !_closed)
            {
                if (deadline.HasExpired)
                {
                    throw new TimeoutException($"Waited too long for a size change of '{name}' to finish before writing it.");
                }

                LockOrder.Wait(_gate, deadline.RemainingMilliseconds, LockRank.Leaf);
            }

            if (_closed)
            {
                return false;
            }

            _ioInFlight++;
            LockOrder.Acquired(LockRank.StoreGate);
            return true;
        }
    }

    /// <summary>
    /// Starts closing the file: holds new writebacks back and waits for those in flight (the page
    /// writer's, which may hold the file from a snapshot) to end. Returns false, changing nothing,
    /// if a size change or another close runs, or at the deadline. <see cref="ExitClose"/> follows a true return.
    /// </summary>
    public bool EnterClose(Deadline deadline)
    {
        LockOrder.CheckBlocking(LockRank.StoreGate);
        using (LockOrder.Enter(_gate, LockRank.Leaf))
        {
            if (_resizing || _closing || _closed)
            {
                return false;
            }

            _closing = true;
            while (_ioInFlight > 0)
            {
                if (deadline.HasExpired)
                {
                    _closing = false;
                    Monitor.PulseAll(_gate);
                    return false;
                }

                LockOrder.Wait(_gate, deadline.RemainingMilliseconds, LockRank.Leaf);
            }

            LockOrder.Acquired(LockRank.StoreGate);
            return true;
        }
    }

    /// <summary>Ends a close: <paramref name="closed"/> says the store is being disposed (no writeback ever begins again), else the file stays open as it was.</summary>
    public void ExitClose(bool closed)
    {
        using (LockOrder.Enter(_gate, LockRank.Leaf))
        {
            Debug.Assert(_closing, "A close ends that began.");
            _closing = false;
            _closed = closed;
            Monitor.PulseAll(_gate);
            LockOrder.Released(LockRank.StoreGate);
        }
    }

    /// <summary>Lets I/O begin again after a close: the file has a new store (a reopen of a file kept after its last handle).</summary>
    public void Reopen()
    {
        using (LockOrder.Enter(_gate, LockRank.Leaf))
        {
            Debug.Assert(_closed, "A gate reopens after a close.");
            Debug.Assert(!_closing && !_resizing && _ioInFlight == 0, "Nothing waits at a closed gate.");
            _closed = false;
        }
    }

    /// <summary>Ends I/O that <see cref="EnterIo"/> or <see cref="TryEnterIo"/> let begin.</summary>
    public void ExitIo()
    {
        using (LockOrder.Enter(_gate, LockRank.Leaf))
        {
            Debug.Assert(_ioInFlight > 0, "A writeback ends that began.");
            if (--_ioInFlight == 0)
            {
                Monitor.PulseAll(_gate);
            }

            LockOrder.Released(LockRank.StoreGate);
        }
    }

    /// <summary>Starts a size change: waits for other size changes and for every writeback in flight to end, and holds new ones back.</summary>
    public void EnterResize(Deadline deadline)
    {
        LockOrder.CheckBlocking(LockRank.StoreGate);
        using (LockOrder.Enter(_gate, LockRank.Leaf))
        {
            while (_resizing || _closing)
            {
                WaitGate(deadline);
            }

            ObjectDisposedException.ThrowIf(_closed, name);

            _resizing = true;
            while (_ioInFlight > 0)
            {
                if (deadline.HasExpired)
                {
                    _resizing = false;
                    Monitor.PulseAll(_gate);
                    throw new TimeoutException($"Waited too long for writes of '{name}' in flight to finish before changing its size.");
                }

                LockOrder.Wait(_gate, deadline.RemainingMilliseconds, LockRank.Leaf);
            }

            LockOrder.Acquired(LockRank.StoreGate);
        }
    }

    /// <summary>
    /// Begins a size change only if it needs no wait: no other size change or close in progress and
    /// no writeback in flight; false otherwise. For paths that may hold pages (see ClusterWriter).
    /// </summary>
    public bool TryEnterResize()
    {
        using (LockOrder.Enter(_gate, LockRank.Leaf))
        {
            if (_resizing || _closing || _ioInFlight > 0)
            {
                return false;
            }

            ObjectDisposedException.ThrowIf(_closed, name);
            _resizing = true;
            LockOrder.Acquired(LockRank.StoreGate);
            return true;
        }
    }

    /// <summary>Ends a size change that <see cref="EnterResize"/> or <see cref="TryEnterResize"/> began.</summary>
    public void ExitResize()
    {
        using (LockOrder.Enter(_gate, LockRank.Leaf))
        {
            Debug.Assert(_resizing, "A size change ends that began.");
            _resizing = false;
            Monitor.PulseAll(_gate);
            LockOrder.Released(LockRank.StoreGate);
        }
    }

    private void WaitGate(Deadline deadline)
    {
        if (deadline.HasExpired)
        {
            throw new TimeoutException($"Waited too long for a size change of '{name}' to finish.");
        }

        LockOrder.Wait(_gate, deadline.RemainingMilliseconds, LockRank.Leaf);
    }
}
