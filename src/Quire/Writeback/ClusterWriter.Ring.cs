// ClusterWriter's writes through io_uring, for a file opened with direct I/O where the kernel
// offers it (IoUring.IsSupported): the writeback's own thread claims runs in file order, prepares
// each as one vectored write straight from its frames, submits them a megabyte at a time (a
// window of short runs in one system call), and as writes complete gives the device its next
// ones before completing the runs that ended, keeping up to MaxWritesInFlight writes and
// MaxBytesInFlight bytes at the device, with no thread blocked per write and no thread hop.
//
// A run goes this way when every page is whole and in the file in full (page-aligned, so O_DIRECT
// takes it); any other run (pages written in pieces, the page at end of file) is written on this
// thread by the synchronous path. A write that does not complete in full (an error, a short
// write) is written again by the synchronous path, whose store call reports the error exactly as
// it would have, with the same accounting and the same redirtying: the ring never decides what a
// failure means. Rings are rented from a pool, one per writeback in progress, and disposed with
// the cache.

using System.Collections.Concurrent;
using System.Numerics;
using Quire.Files;
using Quire.Internal;
using Quire.Paging;

namespace Quire.Writeback;

internal sealed partial class ClusterWriter
{
    private readonly ConcurrentBag<IoUring> _rings = []; // idle rings, one per writeback that used one at the same time
    private int _ringsBroken; // (A) set once a ring failed outside any write's own result: the pool is not used again

    /// <summary>Disposes the idle rings; called once no writeback runs (the cache is disposed).</summary>
    public void Dispose()
    {
        while (_rings.TryTake(out IoUring? ring))
        {
            ring.Dispose();
        }
    }

    private IoUring? TryRentRing()
    {
        if (Volatile.Read(ref _ringsBroken) != 0 || !IoUring.IsSupported)
        {
            return null;
        }

        if (_rings.TryTake(out IoUring? ring))
        {
            return ring;
        }

        try
        {
            return IoUring.Create((uint)Math.Max(2, (int)BitOperations.RoundUpToPowerOf2((uint)_maxRunsInFlight)), _maxClusterPages);
        }
        catch (IOException)
        {
            Volatile.Write(ref _ringsBroken, 1); // refused now (a limit on locked memory, say): do not ask again
            return null;
        }
    }

    /// <summary>
    /// 1 MiB: prepared writes are submitted as soon as they add up to this many bytes, so the
    /// device starts on a long run while the next is claimed (claiming and preparing 256 pages
    /// takes a few hundred microseconds, and a sequential writer's 1 MiB writes tend to complete
    /// together: submitted as one batch, the device sat idle while the whole batch was claimed);
    /// a random writer's short runs still go in one system call per window.
    /// </summary>
    private const int SubmitEarlyBytes = 1 << 20;

    /// <summary>Claims runs in file order and writes them through <paramref name="ring"/>; returns where it stopped once all have ended.</summary>
    private long WriteRunsThroughRing(FileObject file, int descriptor, long fromPage, long toPage, WritebackLimits limits, WritebackOutcome outcome, IoUring ring, bool background)
    {
        var state = new RingWriteback(ring, file, descriptor, toPage, limits, outcome, background) { Cursor = fromPage };
        bool healthy = false;
        try
        {
            while (true)
            {
                // The device gets its next writes before the last ones are completed: completing
                // a run (its pages made unsynced, its waiters woken) can wait, the device cannot.
                Refill(state);
                CompleteReaped(state);
                if (ring.InFlight == 0)
                {
                    break;
                }

                ring.Submit(waitFor: 1);
                while (ring.TryReap(out ulong slot, out int result))
                {
                    PendingRun run = state.InFlight[slot]!;
                    state.InFlight[slot] = null;
                    state.BytesInFlight -= run.SubmittedBytes;
                    state.Reaped.Add((run, result));
                }
            }

            healthy = true;
        }
        finally
        {
            if (!healthy)
            {
                // The ring itself failed (not a write: those complete with their own result). Writes
                // the kernel took still use their frames: wait for them, then write every run still
                // held the synchronous way, so no page is left under writeback.
                Volatile.Write(ref _ringsBroken, 1);
                foreach ((PendingRun run, _) in state.Reaped)
                {
                    WriteNow(file, run, outcome); // reaped, not completed: each is taken off as it is completed
                }

                DrainBrokenRing(file, ring, state.InFlight, outcome);
                ring.Dispose();
            }
            else
            {
                _rings.Add(ring);
            }
        }

        return state.Cursor;
    }

    /// <summary>Completes the runs whose writes were reaped, taking each off the list first, so a failure midway leaves only the others for the caller's clean-up.</summary>
    private void CompleteReaped(RingWriteback state)
    {
        List<(PendingRun Run, int Result)> reaped = state.Reaped;
        while (reaped.Count > 0)
        {
            (PendingRun run, int result) = reaped[^1];
            reaped.RemoveAt(reaped.Count - 1);
            if (result == run.SubmittedBytes)
            {
                _pager.RecordSubmittedWrite(run.SubmittedBytes, run.SubmittedAt);
                CompleteWritten(state.File, run, state.Outcome);
            }
            else
            {
                WriteNow(state.File, run, state.Outcome); // the synchronous path reports what went wrong
            }
        }
    }

    /// <summary>
    /// Claims runs and prepares their writes while the window has room, submitting as they add up
    /// to SubmitEarlyBytes; a run that cannot go through the ring is written on this thread.
    /// </summary>
    private void Refill(RingWriteback state)
    {
        IoUring ring = state.Ring;
        WritebackLimits limits = state.Limits;
        WritebackOutcome outcome = state.Outcome;
        int maxRuns = Math.Min(WritesAllowedInFlight(state.Background, _maxRunsInFlight), (int)ring.Entries);
        long maxBytes = BytesAllowedInFlight(state.Background);
        long unsubmittedBytes = 0;
        while (state.Claiming && ring.InFlight < maxRuns && (ring.InFlight == 0 || state.BytesInFlight < maxBytes)
            && state.Cursor < state.ToPage && (limits.MaxPages <= 0 || outcome.PagesClaimed < limits.MaxPages))
        {
            PendingRun run = TakeIdleRun();
            state.Cursor = GatherRun(state.File, state.Cursor, state.ToPage, limits, run.Pages, outcome);
            if (run.Pages.Count == 0)
            {
                GiveBackIdleRun(run);
                state.Claiming = false;
                break;
            }

            outcome.PagesClaimed += run.Pages.Count;
            if (!IsWrittenInFull(run))
            {
                WriteNow(state.File, run, outcome);
                continue;
            }

            int byteCount = run.Pages.Count << _pool.PageShift;
            long offset = run.Pages[0].PageNumber << _pool.PageShift;
            Span<nint> buffers = state.Buffers.AsSpan(0, run.Pages.Count);
            for (int i = 0; i < buffers.Length; i++)
            {
                buffers[i] = _pool.Address(run.Pages[i].Frame);
            }

            int slot = Array.IndexOf(state.InFlight, null);
            run.StartSubmitted(_pager.BeginSubmittedWrite(state.File, offset, byteCount), byteCount);
            if (!ring.TryPrepareWrite(state.Descriptor, buffers, _pool.PageSize, offset, (ulong)slot))
            {
                WriteNow(state.File, run, outcome); // cannot happen below Entries in flight; written all the same
                continue;
            }

            state.InFlight[slot] = run;
            state.BytesInFlight += byteCount;
            unsubmittedBytes += byteCount;
            if (unsubmittedBytes >= SubmitEarlyBytes)
            {
                ring.Submit(waitFor: 0);
                unsubmittedBytes = 0;
            }
        }
    }

    private bool IsWrittenInFull(PendingRun run)
    {
        foreach (ClaimedPage page in run.Pages)
        {
            if (!IsWholePage(page) || page.ClippedLength != _pool.PageSize)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes a run on this thread, the synchronous way, and gives its state back.</summary>
    private void WriteNow(FileObject file, PendingRun run, WritebackOutcome outcome)
    {
        try
        {
            Issue(file, run, outcome);
            _progress.Pulse(_counts.PagesToWrite);
        }
        finally
        {
            run.Reset();
            GiveBackIdleRun(run);
        }
    }

    /// <summary>Completes a run whose write completed in full, as Issue completes one, and gives its state back.</summary>
    private void CompleteWritten(FileObject file, PendingRun run, WritebackOutcome outcome)
    {
        try
        {
            RunResult result = run.Result;
            result.Reset();
            result.BytesWritten = run.SubmittedBytes;
            using (LockOrder.Enter(outcome, LockRank.Leaf))
            {
                outcome.BytesWritten += result.BytesWritten;
            }

            Complete(file, run.Pages, run.FailedFor(run.Pages.Count), outcome, result);
            _progress.Pulse(_counts.PagesToWrite);
        }
        finally
        {
            run.Reset();
            GiveBackIdleRun(run);
        }
    }

    private void DrainBrokenRing(FileObject file, IoUring ring, PendingRun?[] inFlight, WritebackOutcome outcome)
    {
        // What the kernel took completes on its own (a device times out what it cannot do), and
        // reaping needs no system call: wait for all of it, since its frames are in use until then.
        while (ring.InFlight > ring.Unsubmitted)
        {
            while (ring.TryReap(out ulong slot, out _))
            {
                if (inFlight[slot] is { } run)
                {
                    inFlight[slot] = null;
                    WriteNow(file, run, outcome); // whatever its result, the synchronous write decides
                }
            }

            Thread.Sleep(1);
        }

        // Prepared and never taken: the ring is disposed with them in it, unsubmitted.
        for (int slot = 0; slot < inFlight.Length; slot++)
        {
            if (inFlight[slot] is { } run)
            {
                inFlight[slot] = null;
                WriteNow(file, run, outcome);
            }
        }
    }

    /// <summary>One writeback through a ring: what it has claimed, what is in flight and what has completed.</summary>
    private sealed class RingWriteback(IoUring ring, FileObject file, int descriptor, long toPage, WritebackLimits limits, WritebackOutcome outcome, bool background)
    {
        public IoUring Ring { get; } = ring;

        public FileObject File { get; } = file;

        public int Descriptor { get; } = descriptor;

        public long ToPage { get; } = toPage;

        public WritebackLimits Limits { get; } = limits;

        public WritebackOutcome Outcome { get; } = outcome;

        public bool Background { get; } = background;

        /// <summary>The runs in flight by user data: the slot each write was given.</summary>
        public PendingRun?[] InFlight { get; } = new PendingRun?[ring.Entries];

        /// <summary>Runs whose writes completed, with each result, not yet completed themselves.</summary>
        public List<(PendingRun Run, int Result)> Reaped { get; } = [];

        /// <summary>The frames' addresses of the run being prepared.</summary>
        public nint[] Buffers { get; } = new nint[ring.MaxVectors];

        public long Cursor { get; set; }

        public long BytesInFlight { get; set; }

        public bool Claiming { get; set; } = true;
    }
}
