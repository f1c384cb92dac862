// PageQueues: the free, inactive and active queues, threaded through FrameMetadata's links.
//
// Locking: Lock guards every queue, every link and every count here (Q). Lock order: page holds,
// then the file object's lock, then this lock (docs/ARCHITECTURE.md); nothing is taken under it. Never held across
// I/O, a wait, or user code. A cache hit never takes it: hits only set PageState.Referenced,
// and the reclaim scan acts on that bit later.
// Orientation: the head of a queue is its oldest end, scanned first; frames enter at the tail
// (FreeBSD's TAILQ convention). "Move to the head of the inactive queue" means "reclaim next".
// Invariants: a frame is on at most one queue, and PageState's queue bits name it; the counts
// equal the lengths of the lists.

using System.Diagnostics;
using Quire.Frames;

namespace Quire.Queues;

internal sealed class PageQueues
{
    private readonly FramePool _pool; // (I)
    private readonly QueueList[] _queues = new QueueList[4]; // (Q) indexed by PageQueue

    public PageQueues(FramePool pool)
    {
        _pool = pool;
        for (int i = 0; i < _queues.Length; i++)
        {
            _queues[i] = new QueueList { Head = -1, Tail = -1 };
        }
    }

    /// <summary>The lock guarding the queues (Q).</summary>
    public Lock Lock { get; } = new();

    public int CountLocked(PageQueue queue)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The queue lock is held.");
        return _queues[(int)queue].Count;
    }

    /// <summary>A racy count for statistics and heuristics: it may be stale the moment it is read.</summary>
    public int CountRacy(PageQueue queue) => Volatile.Read(ref _queues[(int)queue].Count);

    /// <summary>The oldest frame on <paramref name="queue"/>, or -1.</summary>
    public int HeadLocked(PageQueue queue)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The queue lock is held.");
        return _queues[(int)queue].Head;
    }

    /// <summary>The frame after <paramref name="frame"/> on its queue (towards the tail), or -1.</summary>
    public int NextLocked(int frame)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The queue lock is held.");
        return _pool.Metadata(frame).QueueNext;
    }

    /// <summary>Puts a frame that is on no queue at the tail (or head) of <paramref name="queue"/>.</summary>
    public void InsertLocked(int frame, PageQueue queue, bool atHead = false)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The queue lock is held.");
        Debug.Assert(queue != PageQueue.None, "Frames are inserted on a real queue.");
        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        Debug.Assert(PageState.QueueOf(Volatile.Read(ref metadata.State)) == PageQueue.None, $"Frame {frame} is on no queue before insertion.");
        ref QueueList list = ref _queues[(int)queue];
        if (atHead)
        {
            metadata.QueuePrevious = -1;
            metadata.QueueNext = list.Head;
            if (list.Head >= 0)
            {
                _pool.Metadata(list.Head).QueuePrevious = frame;
            }
            else
            {
                list.Tail = frame;
            }

            list.Head = frame;
        }
        else
        {
            metadata.QueueNext = -1;
            metadata.QueuePrevious = list.Tail;
            if (list.Tail >= 0)
            {
                _pool.Metadata(list.Tail).QueueNext = frame;
            }
            else
            {
                list.Head = frame;
            }

            list.Tail = frame;
        }

        Volatile.Write(ref list.Count, list.Count + 1);
        PageState.SetQueueLocked(ref metadata.State, queue);
    }

    /// <summary>Takes a frame off whatever queue it is on; does nothing if it is on none.</summary>
    public void RemoveLocked(int frame)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The queue lock is held.");
        ref FrameMetadata metadata = ref _pool.Metadata(frame);
        PageQueue queue = PageState.QueueOf(Volatile.Read(ref metadata.State));
        if (queue == PageQueue.None)
        {
            return;
        }

        ref QueueList list = ref _queues[(int)queue];
        if (metadata.QueuePrevious >= 0)
        {
            _pool.Metadata(metadata.QueuePrevious).QueueNext = metadata.QueueNext;
        }
        else
        {
            list.Head = metadata.QueueNext;
        }

        if (metadata.QueueNext >= 0)
        {
            _pool.Metadata(metadata.QueueNext).QueuePrevious = metadata.QueuePrevious;
        }
        else
        {
            list.Tail = metadata.QueuePrevious;
        }

        metadata.QueuePrevious = -1;
        metadata.QueueNext = -1;
        Volatile.Write(ref list.Count, list.Count - 1);
        PageState.SetQueueLocked(ref metadata.State, PageQueue.None);
    }

    /// <summary>Moves a frame to the tail (or head) of <paramref name="queue"/>.</summary>
    public void MoveLocked(int frame, PageQueue queue, bool atHead = false)
    {
        RemoveLocked(frame);
        InsertLocked(frame, queue, atHead);
    }

    /// <summary>Takes the oldest frame off <paramref name="queue"/>, or returns -1 when it is empty.</summary>
    public int PopHeadLocked(PageQueue queue)
    {
        int frame = HeadLocked(queue);
        if (frame >= 0)
        {
            RemoveLocked(frame);
        }

        return frame;
    }

    [Conditional("DEBUG")]
    public void AssertInvariantsLocked()
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The queue lock is held.");
        for (int q = 1; q < _queues.Length; q++)
        {
            int count = 0;
            int previous = -1;
            for (int frame = _queues[q].Head; frame >= 0; frame = _pool.Metadata(frame).QueueNext)
            {
                Debug.Assert(_pool.Metadata(frame).QueuePrevious == previous, $"Frame {frame}'s back link is consistent.");
                Debug.Assert((int)PageState.QueueOf(_pool.Metadata(frame).State) == q, $"Frame {frame} knows it is on queue {(PageQueue)q}.");
                previous = frame;
                count++;
                Debug.Assert(count <= _pool.FrameCount, "Queues are not cyclic.");
            }

            Debug.Assert(count == _queues[q].Count, $"Queue {(PageQueue)q}'s count matches its list.");
        }
    }

    private struct QueueList
    {
        public int Head;
        public int Tail;
        public int Count;
    }
}
