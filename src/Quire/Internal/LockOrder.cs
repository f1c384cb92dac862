// LockOrder: the debug-build lock-rank checker, as FreeBSD's WITNESS is for its kernel. Every lock
// and blocking gate of docs/ARCHITECTURE.md's "Lock order" reports, with its LockRank, when a
// thread is about to block for it, when it got it and when it let it go; a thread that would block
// out of order gets a LockOrderException naming both locks and everything it holds, so a test
// fails with that message the first time the code path runs, not with a deadlock on the day the
// interleaving is unlucky.
//
// What it checks:
//  1. A blocking acquisition of rank r (a lock statement through Enter, the re-acquisition after
//     Monitor.Wait, StoreGate's EnterIo / EnterResize / EnterClose, a wait for a page hold, a frame
//     allocation that may reclaim) finds the thread holding nothing ranked after r, and nothing of
//     rank r itself unless r is PageHolds (holds nest, in page order within a file: the order
//     within a rank is not checked). Re-entering a lock the thread already holds never blocks, so
//     it is not checked.
//  2. Try-acquisitions (StoreGate.TryEnterIo / TryEnterResize) are not checked, as WITNESS
//     exempts try-locks, since they cannot wait; once they succeed they count as held. (PageState's
//     TryAcquire* and reclaim's claim are try-acquisitions too, uncounted as every page hold is.)
//  3. A release matches an acquisition of the same rank by the same thread.
//
// Holds that cross threads. Counts are per thread, so only what one thread takes and releases is
// counted. Lock statements and the spin meta lock cannot leave their thread, and every StoreGate
// entry is left by the thread that entered it (in a finally of the same method; a writeback's
// I/O threads run inside the gate its caller holds and waits on, and io_uring completions are
// reaped by that caller). Page holds do cross threads: a lease is disposed wherever its owner
// likes, an asynchronous fill's frames are released by the continuation after the read, and the
// Writeback bit is cleared by whichever thread completes the write (a WritebackWorkers thread
// for a run written in parallel). So page holds are checked only where a thread blocks for one
// (PageHolds.LookupAndAcquire, PageHolds.WaitForWriteback) and never counted as held, with one
// exception that keeps the rule "memory cleaning never waits for the gate" checked: a demand
// frame allocation (PageAllocator.AllocateForDemand, which may reclaim and launder while its
// caller holds pages) counts as a page hold for its duration, on its own thread.
// Monitor.Wait gives its monitor up while it waits and takes it back after: Wait counts it
// released meanwhile and checks the re-acquisition as any other blocking one.
//
// What it does not check: the order within a rank (page order, two files' locks); blocking that
// is not a lock (a SemaphoreSlim, an event, a writeback's window); and it treats every cache as
// one, so a store that writes through another cache on the same thread would be reported.
//
// Locking: none. The counts are thread-static: a thread sees only its own, and keeping them in an
// inline array allocates nothing. In Release every method is empty and compiled away
// (Conditional("DEBUG")), or, for the scopes that wrap an acquisition, is the bare acquisition.

using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Quire.Internal;

internal static class LockOrder
{
#if DEBUG
    // Per thread, how many of each rank it holds (index: the rank's value).
    [ThreadStatic]
    private static HeldCounts s_held;
#endif

    /// <summary>Whether this build checks the lock order: true in Debug, false in Release.</summary>
    public static bool IsEnabled =>
#if DEBUG
        true;
#else
        false;
#endif

    /// <summary>How many locks of <paramref name="rank"/> this thread holds (0 in Release, where nothing is counted).</summary>
    public static int HeldCount(LockRank rank)
    {
#if DEBUG
        return s_held[(int)rank];
#else
        return 0;
#endif
    }

    /// <summary>
    /// Checks that this thread may block to acquire a lock of <paramref name="rank"/>: it holds
    /// nothing ranked after it (nor of the rank itself, but for page holds). Throws <see cref="LockOrderException"/> otherwise.
    /// </summary>
    [Conditional("DEBUG")]
    public static void CheckBlocking(LockRank rank)
    {
#if DEBUG
        ref HeldCounts held = ref s_held;
        int first = rank == LockRank.PageHolds ? (int)rank + 1 : (int)rank;
        for (int later = (int)LockRank.Count - 1; later >= first; later--)
        {
            if (held[later] > 0)
            {
                throw new LockOrderException(
                    $"Lock order violated: {Describe(rank)} is acquired, waiting if it must, while {Describe((LockRank)later)} is held "
                    + $"(held: {HeldSet()}). docs/ARCHITECTURE.md, \"Lock order\", allows only locks ranked after those held.");
            }
        }
#endif
    }

    /// <summary>Counts a lock of <paramref name="rank"/> as held by this thread (after a blocking or a try acquisition succeeded).</summary>
    [Conditional("DEBUG")]
    public static void Acquired(LockRank rank)
    {
#if DEBUG
        s_held[(int)rank]++;
#endif
    }

    /// <summary>Counts a lock of <paramref name="rank"/> released. Throws <see cref="LockOrderException"/> if this thread held none.</summary>
    [Conditional("DEBUG")]
    public static void Released(LockRank rank)
    {
#if DEBUG
        ref int count = ref s_held[(int)rank];
        if (count <= 0)
        {
            throw new LockOrderException($"{Describe(rank)} is released by a thread that does not hold it (held: {HeldSet()}).");
        }

        count--;
#endif
    }

    /// <summary>Checks, then enters <paramref name="lock"/> (of <paramref name="rank"/>) for the scope's lifetime: the ranked form of a lock statement.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LockScope Enter(Lock @lock, LockRank rank)
    {
#if DEBUG
        if (!@lock.IsHeldByCurrentThread)
        {
            CheckBlocking(rank);
        }

        var scope = new LockScope(@lock.EnterScope(), rank);
        Acquired(rank);
        return scope;
#else
        return new LockScope(@lock.EnterScope());
#endif
    }

    /// <summary>Checks, then enters <paramref name="monitor"/> (of <paramref name="rank"/>) for the scope's lifetime: the ranked form of a lock statement on a monitor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MonitorScope Enter(object monitor, LockRank rank)
    {
#if DEBUG
        if (!Monitor.IsEntered(monitor))
        {
            CheckBlocking(rank);
        }

        Monitor.Enter(monitor);
        Acquired(rank);
        return new MonitorScope(monitor, rank);
#else
        Monitor.Enter(monitor);
        return new MonitorScope(monitor);
#endif
    }

    /// <summary>Monitor.Wait on a monitor of <paramref name="rank"/> the caller entered through <see cref="Enter(object, LockRank)"/>: released while waiting, re-acquired after.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Wait(object monitor, int millisecondsTimeout, LockRank rank)
    {
#if DEBUG
        Released(rank);
        try
        {
            CheckBlocking(rank); // the re-acquisition blocks like the first one
            return Monitor.Wait(monitor, millisecondsTimeout);
        }
        finally
        {
            Acquired(rank);
        }
#else
        return Monitor.Wait(monitor, millisecondsTimeout);
#endif
    }

    /// <inheritdoc cref="Wait(object, int, LockRank)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Wait(object monitor, TimeSpan timeout, LockRank rank) =>
        Wait(monitor, timeout == Timeout.InfiniteTimeSpan ? Timeout.Infinite : (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue), rank);

    /// <inheritdoc cref="Wait(object, int, LockRank)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Wait(object monitor, LockRank rank) => Wait(monitor, Timeout.Infinite, rank);

#if DEBUG
    private static string Describe(LockRank rank) => $"{rank} (rank {(int)rank})";

    private static string HeldSet()
    {
        var text = new System.Text.StringBuilder();
        for (int rank = 1; rank < (int)LockRank.Count; rank++)
        {
            if (s_held[rank] > 0)
            {
                text.Append(text.Length == 0 ? "" : ", ").Append(Describe((LockRank)rank)).Append(" x").Append(s_held[rank]);
            }
        }

        return text.Length == 0 ? "nothing" : text.ToString();
    }

    [InlineArray((int)LockRank.Count)]
    private struct HeldCounts
    {
        private int _count;
    }
#endif

    /// <summary>A <see cref="Lock"/> entered through <see cref="Enter(Lock, LockRank)"/>; disposing it releases the lock.</summary>
    public ref struct LockScope
    {
        private Lock.Scope _scope;
#if DEBUG
        private readonly LockRank _rank;

        public LockScope(Lock.Scope scope, LockRank rank)
        {
            _scope = scope;
            _rank = rank;
        }
#else
        public LockScope(Lock.Scope scope) => _scope = scope;
#endif

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dispose()
        {
#if DEBUG
            try
            {
                Released(_rank);
            }
            finally
            {
                _scope.Dispose();
            }
#else
            _scope.Dispose();
#endif
        }
    }

    /// <summary>A monitor entered through <see cref="Enter(object, LockRank)"/>; disposing it exits the monitor.</summary>
    public readonly ref struct MonitorScope
    {
        private readonly object _monitor;
#if DEBUG
        private readonly LockRank _rank;

        public MonitorScope(object monitor, LockRank rank) => (_monitor, _rank) = (monitor, rank);
#else
        public MonitorScope(object monitor) => _monitor = monitor;
#endif

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dispose()
        {
#if DEBUG
            try
            {
                Released(_rank);
            }
            finally
            {
                Monitor.Exit(_monitor);
            }
#else
            Monitor.Exit(_monitor);
#endif
        }
    }
}
