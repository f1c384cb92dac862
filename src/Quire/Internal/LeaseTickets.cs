// LeaseTickets: makes a ref-struct lease (PageLease, WritablePageLease) release its page once,
// however often it, or a copy of it, is disposed. A ref struct lives on one thread's stack (it
// cannot be boxed, captured, or kept across an await), so each thread keeps a small table of the
// tickets of the leases it holds: taking a lease records a fresh ticket in a free slot, and
// releasing it clears the slot only while the ticket is still there. A copy released after the
// original (or the original after its copy) finds its ticket gone and releases nothing, and its
// span refuses to be read.
//
// Locking: none; every field is thread-static. The table grows with the leases a thread holds at
// once and is allocated once per thread, so taking and returning a ticket allocates nothing.

namespace Quire.Internal;

internal static class LeaseTickets
{
    [ThreadStatic]
    private static long[]? s_slots; // the ticket of the lease holding each slot; 0 when free

    [ThreadStatic]
    private static long s_lastTicket;

    [ThreadStatic]
    private static int s_freeHint; // a slot likely to be free: the one returned last, or the next one

    /// <summary>Records a new lease of the calling thread: returns its slot and its ticket (never 0).</summary>
    public static (int Slot, long Ticket) Take()
    {
        long[] slots = s_slots ??= new long[8];
        int slot = s_freeHint;
        if ((uint)slot >= (uint)slots.Length || slots[slot] != 0)
        {
            slot = Array.IndexOf(slots, 0L);
            if (slot < 0)
            {
                slot = slots.Length;
                Array.Resize(ref s_slots, slots.Length * 2);
                slots = s_slots;
            }
        }

        long ticket = ++s_lastTicket;
        slots[slot] = ticket;
        s_freeHint = slot + 1;
        return (slot, ticket);
    }

    /// <summary>Whether the lease with this slot and ticket has not been released (by itself or by a copy).</summary>
    public static bool IsLive(int slot, long ticket) =>
        s_slots is { } slots && (uint)slot < (uint)slots.Length && ticket != 0 && slots[slot] == ticket;

    /// <summary>Releases the ticket; true only the first time, so only one release of a lease and its copies releases the page.</summary>
    public static bool Return(int slot, long ticket)
    {
        if (!IsLive(slot, ticket))
        {
            return false;
        }

        s_slots![slot] = 0;
        s_freeHint = slot;
        return true;
    }
}
