// PageState: the bits of FrameMetadata.State and the atomic transitions between them.
//
// Locking: every change is an Interlocked operation on the state word; the queue bits change
// only under the PageQueues lock, the Dirty and Unsynced bits only under the frame's meta lock,
// which reports to the lock-order checker as LockRank.MetaLock (Internal/LockOrder).
//
// The page life cycle (docs/ARCHITECTURE.md draws it), with the functions that move a page:
//   Free --PageAllocator.AllocateForDemand / AllocateAll / TryAllocateForSpeculation-->
//       Filling (Exclusive, in the index, on no queue or inactive)
//   Filling --ReadPath/WritePath release--> Resident (clean or dirty, on inactive or active)
//   Resident --TryAcquireShared--> held for reading; --TryAcquireExclusive--> held for writing
//   Resident+Dirty --...--> Writeback --...--> Unsynced --...--> clean: the data transitions, the
//       only code that changes Dirty, Writeback, Unsynced and WriteFailed, are Files/PageTransitions
//       (its header draws them; this file gives them their atomic primitives)
//   Resident, clean and unreferenced --PageAllocator reclaim (TryClaimForReclaim)--> Exclusive,
//       detached --> reused
//   held or Writeback --Truncation--> Doomed --last release--> Free
// Marks beside the life cycle: WriteFailed (the page's last write or durable flush failed: it
// keeps its error epoch open), Fresh (read ahead, not used yet: its first hit does not count as
// a reuse), ReadAheadMark (reaching it starts the next read-ahead window), Referenced (used
// again: the scan gives it a second chance), Waiters (someone waits for a hold), MetaLock (the
// frame's metadata is being changed).

// Rules, numbered as FreeBSD numbers its general rules on page manipulation:
//  1. A frame's identity (FileId, PageNumber) changes only while it is held Exclusive and out of
//     every page index, and is published with a release write before the index slot that
//     points to it; a reader that finds a frame through an index verifies the identity after
//     taking a hold, because the slot may be stale.
//  2. Shared and Exclusive exclude each other; Exclusive excludes a second Exclusive.
//  3. Writeback is a hold of its own: it excludes reclaim and a second writeback, not readers
//     or writers. A write into a page under writeback re-dirties it.
//  4. A frame may be reclaimed only when no bit but Waiters and the queue bits is set (a
//     Referenced frame gets a second chance first: TryClaimForReclaim refuses it).
//  5. Doomed frames are out of their index; the last hold released frees them.

using System.Diagnostics;
using System.Runtime.CompilerServices;
using Quire.Internal;

namespace Quire.Frames;

internal static class PageState
{
    /// <summary>Bits 0-15: the number of shared holds (readers, read leases).</summary>
    public const int SharedMask = 0xFFFF;

    /// <summary>Held by one owner for filling, writing, a write lease, reclaim or the free queue.</summary>
    public const int Exclusive = 1 << 16;

    /// <summary>A write of the page to the backing store is in flight.</summary>
    public const int Writeback = 1 << 17;

    /// <summary>The page was written to the store but the store has not yet made it durable.</summary>
    public const int Unsynced = 1 << 18;

    /// <summary>The page has dirty sectors (mirrors DirtySectors != 0 for lock-free readers).</summary>
    public const int Dirty = 1 << 19;

    /// <summary>The page was used since the reclaim scan last looked at it.</summary>
    public const int Referenced = 1 << 20;

    /// <summary>A thread waits in the PageWaitTable for this frame's state to change.</summary>
    public const int Waiters = 1 << 21;

    /// <summary>The page was removed from its file while held; the last release frees it.</summary>
    public const int Doomed = 1 << 22;

    /// <summary>The bit spin lock guarding the sector bitmaps and the Dirty and Unsynced bits.</summary>
    public const int MetaLock = 1 << 23;

    /// <summary>The page's last write or durable flush failed and it has not been written since (an error epoch lasts while any page has it).</summary>
    public const int WriteFailed = 1 << 26;

    /// <summary>
    /// The page was read ahead and nobody has used it yet: its first hit clears this instead of
    /// setting Referenced, so a page read once by a sequential reader (or a scan) is not promoted.
    /// </summary>
    public const int Fresh = 1 << 27;

    /// <summary>
    /// The first page of a read-ahead window: a sequential reader that reaches it starts reading the
    /// next window in the background (Linux's PG_readahead), so its reads overlap with its copying.
    /// </summary>
    public const int ReadAheadMark = 1 << 28;

    /// <summary>Bits 24-25: which queue the frame is on.</summary>
    public const int QueueMask = 3 << QueueShift;

    public const int QueueShift = 24;

    /// <summary>Bits that keep a frame from being reclaimed.</summary>
    public const int ReclaimBlockers = SharedMask | Exclusive | Writeback | Unsynced | Dirty | Doomed | MetaLock;

    /// <summary>Bits that hold a frame in use: it may not be freed or its memory released.</summary>
    public const int HoldMask = SharedMask | Exclusive | Writeback;

    public static PageQueue QueueOf(int state) => (PageQueue)((state & QueueMask) >> QueueShift);

    public static int SharedCount(int state) => state & SharedMask;

    /// <summary>
    /// Takes a shared hold unless the frame is held Exclusive or Doomed, and marks it referenced.
    /// Returns false without waiting when it cannot; the caller then verifies identity or waits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryAcquireShared(ref int state)
    {
        int current = Volatile.Read(ref state);
        while ((current & (Exclusive | Doomed)) == 0 && (current & SharedMask) != SharedMask)
        {
            int desired = (current & Fresh) != 0 ? (current + 1) & ~Fresh : (current + 1) | Referenced;
            int observed = Interlocked.CompareExchange(ref state, desired, current);
            if (observed == current)
            {
                return true;
            }

            current = observed;
        }

        return false;
    }

    /// <summary>Releases a shared hold. Returns the new state so the caller can wake waiters or free a doomed frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReleaseShared(ref int state)
    {
        int after = Interlocked.Decrement(ref state);
        Debug.Assert((after & SharedMask) != SharedMask, "A shared hold was released that was never taken.");
        return after;
    }

    /// <summary>Takes the frame Exclusive if nobody holds it shared or exclusive and it is not Doomed.</summary>
    public static bool TryAcquireExclusive(ref int state)
    {
        int current = Volatile.Read(ref state);
        while ((current & (SharedMask | Exclusive | Doomed)) == 0)
        {
            int observed = Interlocked.CompareExchange(ref state, current | Exclusive | Referenced, current);
            if (observed == current)
            {
                return true;
            }

            current = observed;
        }

        return false;
    }

    /// <summary>Releases an Exclusive hold. Returns the new state.</summary>
    public static int ReleaseExclusive(ref int state)
    {
        int before = Interlocked.And(ref state, ~Exclusive);
        Debug.Assert((before & Exclusive) != 0, "An exclusive hold was released that was never taken.");
        return before & ~Exclusive;
    }

    /// <summary>Turns an Exclusive hold into a shared one without letting a writer in between.</summary>
    public static void DowngradeExclusive(ref int state)
    {
        int current = Volatile.Read(ref state);
        while (true)
        {
            Debug.Assert((current & Exclusive) != 0, "Only an exclusive hold can be downgraded.");
            Debug.Assert((current & SharedMask) == 0, "An exclusive frame has no shared holders.");
            int observed = Interlocked.CompareExchange(ref state, (current & ~Exclusive) + 1, current);
            if (observed == current)
            {
                return;
            }

            current = observed;
        }
    }

    /// <summary>
    /// Claims a reclaimable frame for its new owner: succeeds only when nothing but Waiters and the
    /// queue bits is set (rule 4; a referenced frame is refused, for its second chance).
    /// </summary>
    public static bool TryClaimForReclaim(ref int state)
    {
        int current = Volatile.Read(ref state);
        if ((current & (ReclaimBlockers | Referenced)) != 0)
        {
            return false;
        }

        return Interlocked.CompareExchange(ref state, current | Exclusive, current) == current;
    }

    /// <summary>Sets bits atomically. Returns the state before.</summary>
    public static int SetBits(ref int state, int bits) => Interlocked.Or(ref state, bits);

    /// <summary>Clears bits atomically. Returns the state before.</summary>
    public static int ClearBits(ref int state, int bits) => Interlocked.And(ref state, ~bits);

    /// <summary>Clears the Referenced bit and says whether it was set.</summary>
    public static bool TestAndClearReferenced(ref int state) => (ClearBits(ref state, Referenced) & Referenced) != 0;

    /// <summary>Records which queue the frame is on. The caller holds the PageQueues lock.</summary>
    public static void SetQueueLocked(ref int state, PageQueue queue)
    {
        int current = Volatile.Read(ref state);
        while (true)
        {
            int desired = (current & ~QueueMask) | ((int)queue << QueueShift);
            int observed = Interlocked.CompareExchange(ref state, desired, current);
            if (observed == current)
            {
                return;
            }

            current = observed;
        }
    }

    /// <summary>Takes the frame's meta lock, spinning: it is held only for a few instructions.</summary>
    public static void EnterMetaLock(ref int state)
    {
        LockOrder.CheckBlocking(LockRank.MetaLock);
        var spinner = default(SpinWait);
        while (true)
        {
            int current = Volatile.Read(ref state);
            if ((current & MetaLock) == 0
                && Interlocked.CompareExchange(ref state, current | MetaLock, current) == current)
            {
                LockOrder.Acquired(LockRank.MetaLock);
                return;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Releases the frame's meta lock.</summary>
    public static void ExitMetaLock(ref int state)
    {
        int before = Interlocked.And(ref state, ~MetaLock);
        Debug.Assert((before & MetaLock) != 0, "The meta lock was released without being held.");
        LockOrder.Released(LockRank.MetaLock);
    }
}
