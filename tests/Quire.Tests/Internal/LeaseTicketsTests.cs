// Proves a lease ticket is returned once: tickets taken in any number and returned in any order,
// each twice, release only the first time; a returned ticket is no longer live, its slot is used
// again, and a ticket is never 0 (the default lease's).

using Quire.Internal;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Internal;

public sealed class LeaseTicketsTests
{
    [Fact]
    public void EachTicketReturnsOnceInAnyOrderAndItsSlotIsUsedAgain()
    {
        const int Count = 100;
        var tickets = new (int Slot, long Ticket)[Count];
        for (int i = 0; i < Count; i++)
        {
            tickets[i] = LeaseTickets.Take();
            Assert.NotEqual(0, tickets[i].Ticket);
            Assert.True(LeaseTickets.IsLive(tickets[i].Slot, tickets[i].Ticket));
        }

        Assert.Equal(Count, tickets.Select(t => t.Slot).Distinct().Count());
        var random = new SeededRandom(17);
        int[] order = Enumerable.Range(0, Count).OrderBy(_ => random.NextUInt64()).ToArray();
        foreach (int i in order)
        {
            Assert.True(LeaseTickets.Return(tickets[i].Slot, tickets[i].Ticket));
            Assert.False(LeaseTickets.Return(tickets[i].Slot, tickets[i].Ticket));
            Assert.False(LeaseTickets.IsLive(tickets[i].Slot, tickets[i].Ticket));
        }

        (int slot, long ticket) = LeaseTickets.Take();
        Assert.InRange(slot, 0, Count - 1);
        Assert.False(LeaseTickets.Return(slot, tickets[0].Ticket), "An old ticket does not release the slot's new lease.");
        Assert.True(LeaseTickets.Return(slot, ticket));
    }

    [Fact]
    public void TheDefaultTicketIsNeverLive()
    {
        Assert.False(LeaseTickets.IsLive(0, 0));
        Assert.False(LeaseTickets.Return(0, 0));
        Assert.False(LeaseTickets.Return(-1, 5));
        Assert.False(LeaseTickets.Return(int.MaxValue, 5));
    }
}
