// Proves the debug-build lock-rank checker: a blocking acquisition out of the documented order is
// reported naming both locks and what the thread holds; in-order acquisitions, try-acquisitions
// out of order, nested page holds and the re-entry of a lock one holds pass; a try-acquisition
// counts as held; Monitor.Wait gives its monitor back; a release with nothing held is reported.
// Its last tests plant an inversion through the library's own StoreGate: the checker is on in
// every Debug test run (so the concurrency suites run under it) and compiled out in Release.

using Quire.Files;
using Quire.Internal;

namespace Quire.Tests.Internal;

public sealed class LockOrderTests
{
#if DEBUG
    [Fact]
    public void AnInversionIsReportedNamingBothLocksAndTheHeldSet()
    {
        var fileLock = new Lock();
        var tableLock = new Lock();

        using (LockOrder.Enter(fileLock, LockRank.FileObject))
        {
            LockOrderException e = Assert.Throws<LockOrderException>(() =>
            {
                using (LockOrder.Enter(tableLock, LockRank.FileTable))
                {
                }
            });

            Assert.Contains("FileTable (rank 6) is acquired", e.Message, StringComparison.Ordinal);
            Assert.Contains("while FileObject (rank 8) is held", e.Message, StringComparison.Ordinal);
            Assert.Contains("held: FileObject (rank 8) x1", e.Message, StringComparison.Ordinal);
            Assert.False(tableLock.IsHeldByCurrentThread);
        }

        Assert.Equal(0, LockOrder.HeldCount(LockRank.FileObject));
        Assert.Equal(0, LockOrder.HeldCount(LockRank.FileTable));
    }

    [Fact]
    public void AcquisitionsInTheDocumentedOrderPass()
    {
        using (LockOrder.Enter(new Lock(), LockRank.FileTable))
        using (LockOrder.Enter(new Lock(), LockRank.FileObject))
        using (LockOrder.Enter(new object(), LockRank.PageWaitBucket))
        using (LockOrder.Enter(new object(), LockRank.Leaf))
        {
            Assert.Equal(1, LockOrder.HeldCount(LockRank.FileObject));
            Assert.Equal(1, LockOrder.HeldCount(LockRank.Leaf));
        }

        Assert.Equal(0, LockOrder.HeldCount(LockRank.FileObject));
        Assert.Equal(0, LockOrder.HeldCount(LockRank.Leaf));
    }

    [Fact]
    public void ATryAcquisitionOutOfOrderIsAllowedAndCountsAsHeld()
    {
        var gate = new StoreGate("try.dat");
        var other = new StoreGate("other.dat");

        using (LockOrder.Enter(new Lock(), LockRank.FileObject))
        {
            Assert.True(gate.TryEnterIo()); // a store gate (3) under the file lock (8): a try never waits
        }

        Assert.Equal(1, LockOrder.HeldCount(LockRank.StoreGate));
        LockOrderException e = Assert.Throws<LockOrderException>(() => other.EnterIo(Deadline.After(TimeSpan.FromSeconds(5))));
        Assert.Contains("while StoreGate (rank 3) is held", e.Message, StringComparison.Ordinal);

        gate.ExitIo();
        Assert.Equal(0, LockOrder.HeldCount(LockRank.StoreGate));
        Assert.True(other.EnterIo(Deadline.After(TimeSpan.FromSeconds(5))));
        other.ExitIo();
    }

    [Fact]
    public void PageHoldsNestButNoOtherRankNestsWithItself()
    {
        LockOrder.Acquired(LockRank.PageHolds);
        try
        {
            LockOrder.CheckBlocking(LockRank.PageHolds); // page order within a file: allowed
            LockOrder.CheckBlocking(LockRank.FileSync);
            Assert.Throws<LockOrderException>(() => LockOrder.CheckBlocking(LockRank.StoreGate));
        }
        finally
        {
            LockOrder.Released(LockRank.PageHolds);
        }

        using (LockOrder.Enter(new Lock(), LockRank.FileObject))
        {
            Assert.Throws<LockOrderException>(() =>
            {
                using (LockOrder.Enter(new Lock(), LockRank.FileObject))
                {
                }
            });
        }

        using (LockOrder.Enter(new object(), LockRank.Leaf))
        {
            Assert.Throws<LockOrderException>(() =>
            {
                using (LockOrder.Enter(new object(), LockRank.Leaf))
                {
                }
            });
        }
    }

    [Fact]
    public void ReenteringALockTheThreadHoldsIsAllowed()
    {
        var fileLock = new Lock();
        object monitor = new();

        using (LockOrder.Enter(fileLock, LockRank.FileObject))
        using (LockOrder.Enter(monitor, LockRank.FrameFreed))
        using (LockOrder.Enter(fileLock, LockRank.FileObject))
        using (LockOrder.Enter(monitor, LockRank.FrameFreed))
        {
            Assert.Equal(2, LockOrder.HeldCount(LockRank.FileObject));
        }

        Assert.Equal(0, LockOrder.HeldCount(LockRank.FileObject));
    }

    [Fact]
    public void MonitorWaitGivesItsMonitorBackAndTakesItAgain()
    {
        object monitor = new();

        using (LockOrder.Enter(monitor, LockRank.FrameFreed))
        {
            Assert.False(LockOrder.Wait(monitor, 1, LockRank.FrameFreed));
            Assert.False(LockOrder.Wait(monitor, TimeSpan.FromMilliseconds(1), LockRank.FrameFreed));
            Assert.Equal(1, LockOrder.HeldCount(LockRank.FrameFreed));
            Assert.True(Monitor.IsEntered(monitor));
        }

        Assert.Equal(0, LockOrder.HeldCount(LockRank.FrameFreed));
    }

    [Fact]
    public void AReleaseOfALockTheThreadDoesNotHoldIsReported()
    {
        LockOrderException e = Assert.Throws<LockOrderException>(() => LockOrder.Released(LockRank.FileTable));

        Assert.Contains("FileTable (rank 6) is released by a thread that does not hold it", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, LockOrder.HeldCount(LockRank.FileTable));
    }

    [Fact]
    public void HeldCountsAreKeptPerThread()
    {
        using (LockOrder.Enter(new Lock(), LockRank.FileObject))
        {
            int seenElsewhere = -1;
            var other = new Thread(() => seenElsewhere = LockOrder.HeldCount(LockRank.FileObject));
            other.Start();
            other.Join();

            Assert.Equal(0, seenElsewhere);
        }
    }

    [Fact]
    public void TheCheckerIsOnInDebugTestRuns()
    {
        var gate = new StoreGate("planted.dat");

        Assert.True(LockOrder.IsEnabled);
        using (LockOrder.Enter(new Lock(), LockRank.FileObject))
        {
            // Planted: a size change waited for under the file lock, which ranks after the gate.
            LockOrderException e = Assert.Throws<LockOrderException>(() => gate.EnterResize(Deadline.After(TimeSpan.FromSeconds(5))));
            Assert.Contains("StoreGate (rank 3) is acquired", e.Message, StringComparison.Ordinal);
            Assert.Contains("FileObject (rank 8)", e.Message, StringComparison.Ordinal);
        }

        Assert.True(gate.TryEnterResize()); // the refused size change left the gate as it was
        gate.ExitResize();
    }
#else
    [Fact]
    public void TheCheckerIsCompiledOutInRelease()
    {
        var gate = new StoreGate("planted.dat");

        Assert.False(LockOrder.IsEnabled);
        using (LockOrder.Enter(new Lock(), LockRank.FileObject))
        {
            // The same planted inversion as in Debug: Release neither checks nor counts it.
            gate.EnterResize(Deadline.After(TimeSpan.FromSeconds(5)));
            Assert.Equal(0, LockOrder.HeldCount(LockRank.StoreGate));
            gate.ExitResize();
        }

        Assert.Equal(0, LockOrder.HeldCount(LockRank.FileObject));
    }
#endif
}
