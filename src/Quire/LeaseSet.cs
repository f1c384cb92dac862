// LeaseSet: the storable leases (PageRangeLease) a handle holds, so that disposing the handle
// releases every lease still held: a lease kept in a field and forgotten pins its pages only
// until its handle is closed, never for the life of the cache.
//
// Locking: _lock (a leaf of the lock order) guards _leases, _count and each member's Slot and
// IsMember; _closed is written under it and read without it. Never held while a hold is taken or
// released: ReleaseAll releases outside it.
// Invariants: every lease that holds pages through the handle is a member, or the set is closed
// and the lease sees it (PageRangeLease's take: mark held, then check IsClosed; ReleaseAll: mark
// closed, then take each member's held flag; both with full fences, so one of them releases it).
// A lease joins at its first take and stays while it is repinned, so a repin takes no lock; it
// leaves when released explicitly. Members fill _leases[0.._count) and each knows its index
// (Slot), so removal is a swap with the last.

using Quire.Internal;

namespace Quire;

internal sealed class LeaseSet
{
    private readonly Lock _lock = new();
    private PageRangeLease?[] _leases = new PageRangeLease?[4]; // (L)
    private int _count; // (L)
    private volatile bool _closed; // (L) written under _lock; the handle was disposed: no lease may join

    /// <summary>Whether the handle was disposed: a lease that marked itself held must then release itself.</summary>
    public bool IsClosed => _closed;

    /// <summary>Adds a lease at its first take; false when the handle was disposed (the caller releases its holds).</summary>
    public bool TryAdd(PageRangeLease lease)
    {
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            if (_closed)
            {
                return false;
            }

            if (_count == _leases.Length)
            {
                Array.Resize(ref _leases, _leases.Length * 2);
            }

            lease.Slot = _count;
            lease.IsMember = true;
            _leases[_count++] = lease;
            return true;
        }
    }

    /// <summary>Removes a lease that has released its holds; nothing if ReleaseAll took it already.</summary>
    public void Remove(PageRangeLease lease)
    {
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            lease.IsMember = false;
            int slot = lease.Slot;
            if ((uint)slot >= (uint)_count || !ReferenceEquals(_leases[slot], lease))
            {
                return;
            }

            PageRangeLease last = _leases[--_count]!;
            _leases[slot] = last;
            last.Slot = slot;
            _leases[_count] = null;
            lease.Slot = -1;
        }
    }

    /// <summary>Closes the set and releases every lease still in it (the handle is being disposed). Idempotent.</summary>
    public void ReleaseAll()
    {
        PageRangeLease?[] members;
        int count;
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            _closed = true;
            members = _leases;
            count = _count;
            _leases = [];
            _count = 0;
        }

        for (int i = 0; i < count; i++)
        {
            members[i]!.ReleaseForClosedHandle();
        }
    }
}
