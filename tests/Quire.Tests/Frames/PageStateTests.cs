// Proves the page state word's transitions follow PageState's rules: shared and exclusive holds
// exclude each other, doomed frames take no new holds, a downgrade lets no writer in, reclaim
// claims only unreferenced frames with no blocking bit, and the meta lock excludes a second
// owner. Each test drives a local state word directly, one transition at a time.

using Quire.Frames;

namespace Quire.Tests.Frames;

public sealed class PageStateTests
{
    [Fact]
    public void SharedHoldsStackAndMarkTheFrameReferenced()
    {
        int state = 0;

        Assert.True(PageState.TryAcquireShared(ref state));
        Assert.True(PageState.TryAcquireShared(ref state));

        Assert.Equal(2, PageState.SharedCount(state));
        Assert.NotEqual(0, state & PageState.Referenced);
        Assert.Equal(1, PageState.SharedCount(PageState.ReleaseShared(ref state)));
        Assert.Equal(0, PageState.SharedCount(PageState.ReleaseShared(ref state)));
    }

    [Fact]
    public void SharedHoldIsRefusedWhileExclusiveOrDoomed()
    {
        int exclusive = PageState.Exclusive;
        int doomed = PageState.Doomed;

        Assert.False(PageState.TryAcquireShared(ref exclusive));
        Assert.False(PageState.TryAcquireShared(ref doomed));
        Assert.Equal(PageState.Exclusive, exclusive);
        Assert.Equal(PageState.Doomed, doomed);
    }

    [Fact]
    public void SharedHoldIsRefusedWhenTheCountIsFull()
    {
        int state = PageState.SharedMask - 1;

        Assert.True(PageState.TryAcquireShared(ref state));
        Assert.False(PageState.TryAcquireShared(ref state));
        Assert.Equal(PageState.SharedMask, PageState.SharedCount(state));
    }

    [Fact]
    public void SharedHoldIsAllowedUnderWritebackDirtyAndUnsynced()
    {
        int state = PageState.Writeback | PageState.Dirty | PageState.Unsynced;

        Assert.True(PageState.TryAcquireShared(ref state));
    }

    [Fact]
    public void ExclusiveHoldExcludesSharedExclusiveAndDoomed()
    {
        int shared = 1;
        int exclusive = PageState.Exclusive;
        int doomed = PageState.Doomed;
        int free = PageState.Dirty;

        Assert.False(PageState.TryAcquireExclusive(ref shared));
        Assert.False(PageState.TryAcquireExclusive(ref exclusive));
        Assert.False(PageState.TryAcquireExclusive(ref doomed));
        Assert.True(PageState.TryAcquireExclusive(ref free));
        Assert.NotEqual(0, free & PageState.Exclusive);
        Assert.NotEqual(0, free & PageState.Dirty);
    }

    [Fact]
    public void ExclusiveHoldIsAllowedUnderWriteback()
    {
        // Rule 3: writeback excludes reclaim and a second writeback, not writers.
        int state = PageState.Writeback;

        Assert.True(PageState.TryAcquireExclusive(ref state));
    }

    [Fact]
    public void ReleasingExclusiveKeepsTheOtherBits()
    {
        int state = PageState.Exclusive | PageState.Dirty | PageState.Waiters | (2 << PageState.QueueShift);

        int after = PageState.ReleaseExclusive(ref state);

        Assert.Equal(PageState.Dirty | PageState.Waiters | (2 << PageState.QueueShift), after);
        Assert.Equal(after, state);
    }

    [Fact]
    public void DowngradeTurnsExclusiveIntoOneSharedHold()
    {
        int state = PageState.Exclusive | PageState.Dirty;

        PageState.DowngradeExclusive(ref state);

        Assert.Equal(0, state & PageState.Exclusive);
        Assert.Equal(1, PageState.SharedCount(state));
        Assert.NotEqual(0, state & PageState.Dirty);
        Assert.False(PageState.TryAcquireExclusive(ref state));
        Assert.True(PageState.TryAcquireShared(ref state));
    }

    [Fact]
    public void ReclaimClaimsAnUnreferencedFrameWithNoBlockingBit()
    {
        int state = PageState.Waiters | ((int)PageQueue.Inactive << PageState.QueueShift);

        Assert.True(PageState.TryClaimForReclaim(ref state));

        Assert.NotEqual(0, state & PageState.Exclusive);
        Assert.Equal(PageQueue.Inactive, PageState.QueueOf(state));
    }

    [Theory]
    [InlineData(PageState.Referenced)]
    [InlineData(1)]
    [InlineData(PageState.Exclusive)]
    [InlineData(PageState.Writeback)]
    [InlineData(PageState.Unsynced)]
    [InlineData(PageState.Dirty)]
    [InlineData(PageState.Doomed)]
    [InlineData(PageState.MetaLock)]
    public void ReclaimRefusesAFrameWithABlockingBit(int bit)
    {
        int state = bit | ((int)PageQueue.Inactive << PageState.QueueShift);

        Assert.False(PageState.TryClaimForReclaim(ref state));
        Assert.Equal(bit | ((int)PageQueue.Inactive << PageState.QueueShift), state);
    }

    [Fact]
    public void TestAndClearReferencedReportsTheBitOnce()
    {
        int state = PageState.Referenced | PageState.Dirty;

        Assert.True(PageState.TestAndClearReferenced(ref state));
        Assert.False(PageState.TestAndClearReferenced(ref state));
        Assert.Equal(PageState.Dirty, state);
    }

    [Fact]
    public void SetAndClearBitsReturnTheStateBefore()
    {
        int state = PageState.Dirty;

        Assert.Equal(PageState.Dirty, PageState.SetBits(ref state, PageState.Unsynced));
        Assert.Equal(PageState.Dirty | PageState.Unsynced, PageState.ClearBits(ref state, PageState.Dirty));
        Assert.Equal(PageState.Unsynced, state);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void QueueBitsRoundTripAndLeaveTheOtherBitsAlone(int queueNumber)
    {
        var queue = (PageQueue)queueNumber;
        int state = PageState.Dirty | PageState.Exclusive | 3 | ((int)PageQueue.Active << PageState.QueueShift);

        PageState.SetQueueLocked(ref state, queue);

        Assert.Equal(queue, PageState.QueueOf(state));
        Assert.Equal(PageState.Dirty | PageState.Exclusive | 3, state & ~PageState.QueueMask);
    }

    [Fact]
    public void MetaLockIsExclusiveAndKeepsTheOtherBits()
    {
        int state = PageState.Dirty | 1;

        PageState.EnterMetaLock(ref state);
        Assert.NotEqual(0, state & PageState.MetaLock);
        Assert.False(PageState.TryClaimForReclaim(ref state));

        PageState.ExitMetaLock(ref state);
        Assert.Equal(PageState.Dirty | 1, state);
    }

    [Fact]
    public void MetaLockMakesASecondThreadWaitUntilItIsReleased()
    {
        var box = new int[1];
        PageState.EnterMetaLock(ref box[0]);
        using var entered = new ManualResetEventSlim();
        var other = new Thread(() =>
        {
            PageState.EnterMetaLock(ref box[0]);
            entered.Set();
            PageState.ExitMetaLock(ref box[0]);
        });
        other.Start();

        // While this thread holds the lock the other cannot have entered; no timing is asserted.
        Assert.False(entered.IsSet);
        PageState.ExitMetaLock(ref box[0]);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
        other.Join();
        Assert.Equal(0, box[0]);
    }

    [Fact]
    public void HoldAndReclaimMasksNameTheDocumentedBits()
    {
        Assert.Equal(PageState.SharedMask | PageState.Exclusive | PageState.Writeback, PageState.HoldMask);
        Assert.Equal(0, PageState.ReclaimBlockers & (PageState.Referenced | PageState.Waiters | PageState.QueueMask));
        Assert.Equal(0, (PageState.SharedMask | PageState.Exclusive | PageState.Writeback | PageState.Unsynced | PageState.Dirty | PageState.Referenced | PageState.Waiters | PageState.Doomed | PageState.MetaLock) & PageState.QueueMask);
    }
}
