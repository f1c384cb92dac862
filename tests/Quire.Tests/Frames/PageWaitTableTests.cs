// Proves waits on a frame end when the blocking bits clear, when the frame stops holding the
// page, or at the deadline, and that a release that sees the Waiters bit wakes the waiter.
// A second thread waits; the test only orders events, it asserts no durations.

using Quire.Frames;
using Quire.Internal;

namespace Quire.Tests.Frames;

public sealed class PageWaitTableTests
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(30);

    [Fact]
    public void WaitReturnsAtOnceWhenNoBlockingBitIsSet()
    {
        using var pool = NewPool(out PageWaitTable waits);
        pool.Metadata(2).State = PageState.Dirty;

        Assert.True(waits.WaitWhile(2, fileId: 1, pageNumber: 3, PageState.Exclusive, Deadline.After(s_long)));
    }

    [Fact]
    public void WaitReturnsAtOnceWhenTheFrameHoldsAnotherPage()
    {
        using var pool = NewPool(out PageWaitTable waits);
        pool.Metadata(2).State = PageState.Exclusive;
        pool.Metadata(2).FileId = 1;
        pool.Metadata(2).PageNumber = 4;

        Assert.True(waits.WaitWhile(2, fileId: 1, pageNumber: 3, PageState.Exclusive, Deadline.After(s_long)));
        Assert.True(waits.WaitWhile(2, fileId: 9, pageNumber: 4, PageState.Exclusive, Deadline.After(s_long)));
    }

    [Fact]
    public void WaitGivesUpAtTheDeadlineAndLeavesTheWaitersBitSet()
    {
        using var pool = NewPool(out PageWaitTable waits);
        pool.Metadata(0).State = PageState.Exclusive;
        pool.Metadata(0).FileId = 1;
        pool.Metadata(0).PageNumber = 0;

        Assert.False(waits.WaitWhile(0, 1, 0, PageState.Exclusive, Deadline.After(TimeSpan.FromMilliseconds(20))));
        Assert.NotEqual(0, pool.Metadata(0).State & PageState.Waiters);
    }

    [Fact]
    public void ReleaseThatSeesWaitersWakesTheWaiter()
    {
        using var pool = NewPool(out PageWaitTable waits);
        pool.Metadata(5).State = PageState.Exclusive;
        pool.Metadata(5).FileId = 1;
        pool.Metadata(5).PageNumber = 7;
        bool? result = null;
        var waiter = new Thread(() => result = waits.WaitWhile(5, 1, 7, PageState.Exclusive, Deadline.After(s_long)));
        waiter.Start();
        Assert.True(SpinWait.SpinUntil(() => (Volatile.Read(ref pool.Metadata(5).State) & PageState.Waiters) != 0, s_long));

        int after = PageState.ReleaseExclusive(ref pool.Metadata(5).State);
        waits.WakeIfWaiting(5, after);

        Assert.True(waiter.Join(s_long));
        Assert.True(result);
        Assert.Equal(0, pool.Metadata(5).State & PageState.Exclusive);
    }

    [Fact]
    public void WakeWithoutWaitersDoesNothing()
    {
        using var pool = NewPool(out PageWaitTable waits);
        pool.Metadata(1).State = PageState.Dirty;

        waits.WakeIfWaiting(1, PageState.Dirty);
        waits.Wake(1);

        Assert.Equal(PageState.Dirty, pool.Metadata(1).State);
    }

    private static FramePool NewPool(out PageWaitTable waits)
    {
        var pool = new FramePool(8, 4096);
        waits = new PageWaitTable(pool);
        return pool;
    }
}
