// Proves the page queues keep FreeBSD's orientation (head = oldest = scanned first, frames
// enter at the tail unless asked to go to the head), that counts and the state word's queue
// bits follow every insert, remove, move and pop, and that AssertInvariantsLocked holds after
// each step. Also runs random operations against a list-of-lists model.

using FsCheck;
using FsCheck.Fluent;
using Quire.Frames;
using Quire.Queues;

namespace Quire.Tests.Queues;

public sealed class PageQueuesTests
{
    [Fact]
    public void NewQueuesAreEmpty()
    {
        using var pool = new FramePool(4, 4096);
        var queues = new PageQueues(pool);
        lock (queues.Lock)
        {
            foreach (PageQueue queue in new[] { PageQueue.Free, PageQueue.Inactive, PageQueue.Active })
            {
                Assert.Equal(0, queues.CountLocked(queue));
                Assert.Equal(-1, queues.HeadLocked(queue));
                Assert.Equal(-1, queues.PopHeadLocked(queue));
            }

            queues.AssertInvariantsLocked();
        }
    }

    [Fact]
    public void FramesEnterAtTheTailAndLeaveFromTheHead()
    {
        using var pool = new FramePool(8, 4096);
        var queues = new PageQueues(pool);
        lock (queues.Lock)
        {
            queues.InsertLocked(3, PageQueue.Inactive);
            queues.InsertLocked(1, PageQueue.Inactive);
            queues.InsertLocked(6, PageQueue.Inactive);

            Assert.Equal([3, 1, 6], Walk(queues, PageQueue.Inactive));
            Assert.Equal(3, queues.HeadLocked(PageQueue.Inactive));
            Assert.Equal(3, queues.PopHeadLocked(PageQueue.Inactive));
            Assert.Equal([1, 6], Walk(queues, PageQueue.Inactive));
            Assert.Equal(PageQueue.None, PageState.QueueOf(pool.Metadata(3).State));
            queues.AssertInvariantsLocked();
        }
    }

    [Fact]
    public void InsertAtHeadMakesTheFrameNextToScan()
    {
        using var pool = new FramePool(8, 4096);
        var queues = new PageQueues(pool);
        lock (queues.Lock)
        {
            queues.InsertLocked(0, PageQueue.Inactive, atHead: true);
            queues.InsertLocked(1, PageQueue.Inactive);
            queues.InsertLocked(2, PageQueue.Inactive, atHead: true);

            Assert.Equal([2, 0, 1], Walk(queues, PageQueue.Inactive));
            queues.AssertInvariantsLocked();
        }
    }

    [Fact]
    public void RemoveUnlinksFromTheHeadTheMiddleAndTheTail()
    {
        using var pool = new FramePool(8, 4096);
        var queues = new PageQueues(pool);
        lock (queues.Lock)
        {
            for (int frame = 0; frame < 5; frame++)
            {
                queues.InsertLocked(frame, PageQueue.Active);
            }

            queues.RemoveLocked(2);
            Assert.Equal([0, 1, 3, 4], Walk(queues, PageQueue.Active));
            queues.RemoveLocked(0);
            Assert.Equal([1, 3, 4], Walk(queues, PageQueue.Active));
            queues.RemoveLocked(4);
            Assert.Equal([1, 3], Walk(queues, PageQueue.Active));
            Assert.Equal(2, queues.CountLocked(PageQueue.Active));
            Assert.Equal(2, queues.CountRacy(PageQueue.Active));
            Assert.Equal((-1, -1), (pool.Metadata(2).QueuePrevious, pool.Metadata(2).QueueNext));
            queues.AssertInvariantsLocked();
        }
    }

    [Fact]
    public void RemovingAFrameOnNoQueueDoesNothing()
    {
        using var pool = new FramePool(4, 4096);
        var queues = new PageQueues(pool);
        lock (queues.Lock)
        {
            queues.InsertLocked(1, PageQueue.Free);

            queues.RemoveLocked(2);

            Assert.Equal([1], Walk(queues, PageQueue.Free));
            queues.AssertInvariantsLocked();
        }
    }

    [Fact]
    public void MoveTakesTheFrameOffItsQueueAndSetsItsQueueBits()
    {
        using var pool = new FramePool(8, 4096);
        var queues = new PageQueues(pool);
        lock (queues.Lock)
        {
            queues.InsertLocked(0, PageQueue.Inactive);
            queues.InsertLocked(1, PageQueue.Inactive);
            queues.InsertLocked(2, PageQueue.Active);

            queues.MoveLocked(1, PageQueue.Active, atHead: true);
            queues.MoveLocked(0, PageQueue.Inactive);

            Assert.Equal([0], Walk(queues, PageQueue.Inactive));
            Assert.Equal([1, 2], Walk(queues, PageQueue.Active));
            Assert.Equal(PageQueue.Active, PageState.QueueOf(pool.Metadata(1).State));
            Assert.Equal(1, queues.CountLocked(PageQueue.Inactive));
            Assert.Equal(2, queues.CountLocked(PageQueue.Active));
            queues.AssertInvariantsLocked();
        }
    }

    [Fact]
    public void QueueBitsLeaveTheRestOfTheStateWordAlone()
    {
        using var pool = new FramePool(4, 4096);
        var queues = new PageQueues(pool);
        pool.Metadata(3).State = PageState.Dirty | PageState.Referenced | 2;
        lock (queues.Lock)
        {
            queues.InsertLocked(3, PageQueue.Inactive);
            queues.MoveLocked(3, PageQueue.Active);
        }

        Assert.Equal(PageState.Dirty | PageState.Referenced | 2 | ((int)PageQueue.Active << PageState.QueueShift), pool.Metadata(3).State);
    }

    [Fact]
    public void RandomOperationsMatchAListModel()
    {
        const int frameCount = 12;
        Gen<(int Kind, int Frame, int Queue, bool AtHead)> operations =
            from kind in Gen.Choose(0, 3)
            from frame in Gen.Choose(0, frameCount - 1)
            from queue in Gen.Choose(1, 3)
            from atHead in Gen.Elements(false, true)
            select (kind, frame, queue, atHead);
        Check.One(
            Config.QuickThrowOnFailure.WithQuietOnSuccess(true).WithMaxTest(200),
            Prop.ForAll(operations.ListOf().ToArbitrary(), sequence =>
            {
                using var pool = new FramePool(frameCount, 4096);
                var queues = new PageQueues(pool);
                var model = new List<int>[4] { [], [], [], [] };
                lock (queues.Lock)
                {
                    foreach ((int kind, int frame, int queue, bool atHead) in sequence)
                    {
                        List<int>? current = model.FirstOrDefault(list => list.Contains(frame));
                        switch (kind)
                        {
                            case 0 when current is null:
                                queues.InsertLocked(frame, (PageQueue)queue, atHead);
                                Place(model[queue], frame, atHead);
                                break;
                            case 1:
                                queues.RemoveLocked(frame);
                                current?.Remove(frame);
                                break;
                            case 2 when current is not null:
                                queues.MoveLocked(frame, (PageQueue)queue, atHead);
                                current.Remove(frame);
                                Place(model[queue], frame, atHead);
                                break;
                            case 3:
                                int popped = queues.PopHeadLocked((PageQueue)queue);
                                Assert.Equal(model[queue].Count > 0 ? model[queue][0] : -1, popped);
                                if (popped >= 0)
                                {
                                    model[queue].RemoveAt(0);
                                }

                                break;
                        }

                        queues.AssertInvariantsLocked();
                        for (int q = 1; q < 4; q++)
                        {
                            Assert.Equal(model[q], Walk(queues, (PageQueue)q));
                            Assert.Equal(model[q].Count, queues.CountLocked((PageQueue)q));
                        }
                    }
                }
            }));
    }

    private static void Place(List<int> list, int frame, bool atHead)
    {
        if (atHead)
        {
            list.Insert(0, frame);
        }
        else
        {
            list.Add(frame);
        }
    }

    /// <summary>The frames of a queue from head to tail. The caller holds the queue lock.</summary>
    private static List<int> Walk(PageQueues queues, PageQueue queue)
    {
        var frames = new List<int>();
        for (int frame = queues.HeadLocked(queue); frame >= 0; frame = queues.NextLocked(frame))
        {
            frames.Add(frame);
        }

        return frames;
    }
}
