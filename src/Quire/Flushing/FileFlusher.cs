// FileFlusher: data-integrity flush of a file or a range: every page dirty when the flush
// began is written, writes already in flight are waited for (and their pages written again if
// they failed or were re-dirtied), then the store makes it all durable. Memory cleaning
// (laundering, later the page writer) may skip pages; a flush never does.
//
// Locking: the writes run inside the file's store gate (ClusterWriter enters it, and the file
// lock to gather and complete runs); the durable flush runs inside the gate too, taken here, and
// under the file's SyncLock (FileSync). No page is held while it waits at the gate.
// Invariants: Flush returns normally only if every page dirty at its start, in its range, was
// written (by it, or by a write in flight that it waited for) and a store flush that began
// after those writes succeeded (P2). A bounded number of
// passes ends the loop under constant re-dirtying; pages dirtied after the flush began may stay
// dirty, as the contract allows. A durable flush of another thread that fails while this one runs
// makes dirty again pages written before it began: the flush then writes and syncs again, a
// bounded number of rounds, and reports the failure if other flushes keep failing.

using Quire.Files;
using Quire.Internal;
using Quire.Paging;
using Quire.Writeback;

namespace Quire.Flushing;

internal sealed class FileFlusher
{
    private const int MaxPasses = 3; // write; wait for writes in flight and write what they left dirty; once more for luck
    private const int MaxRounds = 3; // write and sync again while other threads' durable flushes of the file fail

    private readonly ClusterWriter _writer; // (I)
    private readonly FileSync _sync; // (I)
    private readonly PageHolds _holds; // (I)
    private readonly WritebackCounts _counts; // (I)
    private readonly CacheClock _clock; // (I)

    public FileFlusher(ClusterWriter writer, FileSync sync, PageHolds holds, WritebackCounts counts, CacheClock clock)
    {
        _clock = clock;
        _counts = counts;
        _writer = writer;
        _sync = sync;
        _holds = holds;
    }

    /// <summary>
    /// Writes every dirty page of [<paramref name="fromPage"/>, <paramref name="toPage"/>) and makes
    /// the file durable. Returns the bytes it wrote. Throws <see cref="WritebackFailedException"/>
    /// naming what is not durable.
    /// </summary>
    public long Flush(FileObject file, long fromPage, long toPage)
    {
        // Someone waits for this flush: background writeback keeps few writes in flight meanwhile.
        _counts.AddFlushesWaitedFor(1);
        try
        {
            return FlushWaitedFor(file, fromPage, toPage);
        }
        finally
        {
            _counts.AddFlushesWaitedFor(-1);
            _counts.NoteFlushEnded(_clock.NowTick);
        }
    }

    private long FlushWaitedFor(FileObject file, long fromPage, long toPage)
    {
        if (file.IsDurable)
        {
            // Every page written before this call has been written and synced, and the store has
            // not changed since: nothing to write, nothing to wait for. (A sync failing meanwhile
            // re-dirties and records its epoch first, which the caller then reports.)
            return 0;
        }

        long bytesWritten = 0;
        var failed = new List<ByteRange>();
        for (int round = 1; ; round++)
        {
            int syncFailuresBefore = SyncFailures(file);
            Exception? error = WriteAndSync(file, fromPage, toPage, ref bytesWritten, failed, out bool closed);
            if (error is not null)
            {
                failed.Sort((a, b) => a.FileOffset.CompareTo(b.FileOffset));
                throw new WritebackFailedException(file.Name, failed, error);
            }

            if (closed || SyncFailures(file) == syncFailuresBefore)
            {
                return bytesWritten;
            }

            // Another thread's durable flush of the file failed while this one ran (this one may
            // have waited for it): that failure made dirty again pages written before this flush
            // began, which its own durable flush then did not cover. Write and sync them again; if
            // other flushes keep failing, the failure is this flush's to report (P2).
            if (round == MaxRounds)
            {
                throw new WritebackFailedException(file.Name, failed, LastError(file));
            }
        }
    }

    /// <summary>One round of a flush: write the range's dirty pages, wait for writes in flight, sync. Returns the first failure.</summary>
    private Exception? WriteAndSync(FileObject file, long fromPage, long toPage, ref long bytesWritten, List<ByteRange> failed, out bool closed)
    {
        closed = false;
        Exception? firstError = null;
        for (int pass = 0; pass < MaxPasses; pass++)
        {
            Deadline deadline = _holds.NewPageDeadline();
            WritebackOutcome outcome = _writer.WriteBack(file, fromPage, toPage, waitForGate: true, deadline);
            firstError ??= outcome.Error;
            bytesWritten += outcome.BytesWritten;
            failed.AddRange(outcome.FailedRanges);
            if (outcome.Busy.Count == 0)
            {
                break;
            }

            foreach ((long page, int frame) in outcome.Busy)
            {
                _holds.WaitForWriteback(frame, file, page, deadline);
            }
        }

        // Writes another writer (the page writer, reclaim) began before this flush are not in
        // any pass: wait for them, so the durable flush below covers them (P2), and write what
        // they left dirty if they failed.
        if (WaitForWritesInFlight(file, fromPage, toPage))
        {
            WritebackOutcome outcome = _writer.WriteBack(file, fromPage, toPage, waitForGate: true, _holds.NewPageDeadline());
            firstError ??= outcome.Error;
            bytesWritten += outcome.BytesWritten;
            failed.AddRange(outcome.FailedRanges);
            WaitForWritesInFlight(file, fromPage, toPage);
        }

        Deadline gateDeadline = _holds.NewPageDeadline();
        if (!file.Gate.EnterIo(gateDeadline))
        {
            closed = true; // closed since: all it held was durable when it closed
            return firstError;
        }

        try
        {
            firstError ??= _sync.Sync(file);
        }
        finally
        {
            file.Gate.ExitIo();
        }

        return firstError;
    }

    private static int SyncFailures(FileObject file)
    {
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            return file.SyncFailures;
        }
    }

    private static Exception LastError(FileObject file)
    {
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            return file.Errors.LastError ?? new IOException($"A durable flush of '{file.Name}' failed.");
        }
    }

    /// <summary>Waits for every write of a page in the range that is in flight; returns whether there was any.</summary>
    private bool WaitForWritesInFlight(FileObject file, long fromPage, long toPage)
    {
        var inFlight = new List<(long Page, int Frame)>();
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            long cursor = fromPage;
            while (file.Index.FindNextLocked(cursor, toPage, PageTag.Writeback, out long page, out int frame))
            {
                inFlight.Add((page, frame));
                cursor = page + 1;
            }
        }

        Deadline deadline = _holds.NewPageDeadline();
        foreach ((long page, int frame) in inFlight)
        {
            _holds.WaitForWriteback(frame, file, page, deadline);
        }

        return inFlight.Count > 0;
    }
}
