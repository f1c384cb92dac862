// PageTransitions: the one owner of a page's data state, as FreeBSD's vm_page_* functions own
// theirs. A page's data state has five views, and every transition below changes all of them in
// one step: the state bits (Dirty, Writeback, Unsynced, WriteFailed), the sector bitmaps
// (DirtySectors, and ValidSectors where a transition makes sectors valid), the file's page-index
// tags, the file's gauges and the cache's gauges (each page not yet durable counts in exactly one
// gauge, chosen by its bits: dirty if Dirty is set, else writeback if Writeback is, else unsynced
// if Unsynced is; dirty + writeback is what the throttle paces, Linux's NR_FILE_DIRTY +
// NR_WRITEBACK). No other file writes those bits or DirtySectors (a tidy test checks it); holds,
// queue bits and the other marks belong to PageState's own primitives.
//
// The data life cycle, with the function that makes each step:
//
//   clean --MarkWritten--> Dirty                        (WritePath: sectors written into a held page)
//   Dirty --TryClaimForWritebackLocked--> Writeback     (ClusterWriter: clean before the write is issued)
//   Writeback --CompleteWritebackLocked, written--> Writeback+Unsynced (WriteFailed cleared)
//   Writeback --CompleteWritebackLocked, failed--> Writeback+Dirty+WriteFailed (the sectors it took)
//   Writeback --EndWriteback--> (the Writeback bit cleared: Unsynced, Dirty, or clean if doomed)
//   Unsynced --MarkDurableLocked--> clean               (FileSync: the store's durable flush succeeded)
//   Unsynced --RedirtyAfterFailedSyncLocked--> Dirty+WriteFailed (every valid sector: the flush failed)
//   Dirty (tail) --ClipPastEnd--> Dirty or clean        (Truncation: sectors past a new end are not data; WriteFailed cleared if clean)
//   any --DiscardData--> clean (Doomed if asked)        (Truncation: data dropped by intent)
//
// A page written into while it is Writeback or Unsynced is Dirty as well, and counts as dirty
// only. WriteFailed marks a page whose last write or durable flush failed: it keeps its file's
// error epoch open (FileObject) until written or discarded.
//
// Locking: each transition takes the frame's meta lock (PageState.MetaLock) for the bits and the
// bitmaps; the ones named *Locked are called under the file lock and set the index tags in the
// same step; MarkWritten and ClipPastEnd take the file lock themselves, after the meta lock, to
// move the tag. The gauges are atomic.
// Invariants, checked in debug builds after every transition (AssertFrameConsistent): the Dirty
// bit is set exactly when DirtySectors is not empty; dirty sectors are valid sectors.

using System.Diagnostics;
using Quire.Frames;
using Quire.Internal;

namespace Quire.Files;

internal sealed class PageTransitions(FramePool pool, WritebackCounts counts, CacheClock clock, Canaries canaries)
{
    /// <summary>What a completed write did to a page, for the file's error accounting.</summary>
    public enum Completion
    {
        /// <summary>Written: Unsynced now (unless doomed).</summary>
        Written,

        /// <summary>Written, and its last write had failed: it no longer keeps an error epoch open.</summary>
        Recovered,

        /// <summary>Failed: dirty again; it already carried WriteFailed.</summary>
        Failed,

        /// <summary>Failed for the first time since it was last written.</summary>
        NewlyFailed,
    }

    /// <summary>The gauge a page in <paramref name="state"/> counts in: Dirty, Writeback, Unsynced, or 0 (durable).</summary>
    public static int GaugeOf(int state) =>
        (state & PageState.Dirty) != 0 ? PageState.Dirty
        : (state & PageState.Writeback) != 0 ? PageState.Writeback
        : state & PageState.Unsynced;

    /// <summary>Moves one page between gauges after its state went from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static void Recount(FileObject file, WritebackCounts counts, int before, int after)
    {
        int from = GaugeOf(before);
        int to = GaugeOf(after);
        if (from == to)
        {
            return;
        }

        AddToGauge(file, counts, from, -1);
        AddToGauge(file, counts, to, 1);
        int toWrite = (IsToWrite(to) ? 1 : 0) - (IsToWrite(from) ? 1 : 0);
        if (toWrite != 0)
        {
            file.AddPagesToWrite(toWrite);
        }
    }

    /// <summary>Empties a frame's sector bitmaps as it is given a new page (held Exclusive, out of every gauge).</summary>
    public static void ClearSectors(ref FrameMetadata metadata)
    {
        Debug.Assert((Volatile.Read(ref metadata.State) & (PageState.Dirty | PageState.Unsynced | PageState.Writeback)) == 0, "A frame holding data not yet durable is not given a new page.");
        metadata.ValidSectors = UInt128.Zero;
        metadata.DirtySectors = UInt128.Zero;
    }

    /// <summary>
    /// Marks <paramref name="touched"/> sectors of a held page written: valid and dirty. Returns
    /// true when the page became dirty (the caller then tags it with <see cref="TagDirtyLocked"/>);
    /// a doomed page is left alone.
    /// </summary>
    public bool MarkWritten(FileObject file, int frame, UInt128 touched, int nowTick)
    {
        ref FrameMetadata metadata = ref pool.Metadata(frame);
        PageState.EnterMetaLock(ref metadata.State);
        int state = Volatile.Read(ref metadata.State);
        bool becameDirty = false;
        if ((state & PageState.Doomed) == 0)
        {
            metadata.ValidSectors |= touched;
            metadata.DirtySectors |= touched;
            if ((state & PageState.Dirty) == 0)
            {
                PageState.SetBits(ref metadata.State, PageState.Dirty);
                Recount(file, counts, state, state | PageState.Dirty);
                metadata.DirtiedAtTick = nowTick;
                becameDirty = true;
            }
        }

        AssertFrameConsistent(ref metadata);
        PageState.ExitMetaLock(ref metadata.State);
        return becameDirty;
    }

    /// <summary>Tags a page that became dirty, if the index still maps it to <paramref name="frame"/>. The caller holds the file lock.</summary>
    public static void TagDirtyLocked(FileObject file, long page, int frame)
    {
        if (file.Index.Lookup(page) == frame)
        {
            file.Index.SetTagLocked(page, PageTag.Dirty);
        }
    }

    /// <summary>
    /// Claims a dirty page for writeback: clean before the write is issued (a write into it during
    /// the I/O dirties it again), returning the sectors it took and the valid ones. False when the
    /// page has no dirty sectors (a stale tag, cleared here). The caller holds the file lock.
    /// </summary>
    public bool TryClaimForWritebackLocked(FileObject file, long page, int frame, out UInt128 dirty, out UInt128 valid)
    {
        ref FrameMetadata metadata = ref pool.Metadata(frame);
        PageState.EnterMetaLock(ref metadata.State);
        dirty = metadata.DirtySectors;
        valid = metadata.ValidSectors;
        if (dirty == UInt128.Zero)
        {
            PageState.ExitMetaLock(ref metadata.State);
            file.Index.ClearTagLocked(page, PageTag.Dirty);
            return false;
        }

        Debug.Assert((Volatile.Read(ref metadata.State) & PageState.Writeback) == 0, "A page under writeback is not claimed again.");
        metadata.DirtySectors = UInt128.Zero;
        int before = PageState.ClearBits(ref metadata.State, PageState.Dirty);
        PageState.SetBits(ref metadata.State, PageState.Writeback);
        Recount(file, counts, before, Volatile.Read(ref metadata.State));
        AssertFrameConsistent(ref metadata);
        PageState.ExitMetaLock(ref metadata.State);

        file.Index.ClearTagLocked(page, PageTag.Dirty);
        file.Index.SetTagLocked(page, PageTag.Writeback);
        return true;
    }

    /// <summary>
    /// Completes a page's write: written, it becomes unsynced, stamped with the file's sync
    /// generation; failed, it is dirty again with the sectors it took (<paramref name="taken"/>)
    /// and marked WriteFailed. It stays under writeback until <see cref="EndWriteback"/>. The caller
    /// holds the file lock.
    /// </summary>
    public Completion CompleteWritebackLocked(FileObject file, long page, int frame, bool failed, UInt128 taken)
    {
        ref FrameMetadata metadata = ref pool.Metadata(frame);
        PageState.EnterMetaLock(ref metadata.State);
        int state = Volatile.Read(ref metadata.State);
        Debug.Assert((state & PageState.Writeback) != 0, "Only a page under writeback completes a write.");
        bool doomed = (state & PageState.Doomed) != 0;
        Completion completion;
        if (failed)
        {
            completion = (state & PageState.WriteFailed) != 0 ? Completion.Failed : Completion.NewlyFailed;
            if (!doomed)
            {
                metadata.DirtySectors |= taken;
                PageState.SetBits(ref metadata.State, PageState.Dirty | PageState.WriteFailed);
            }
            else
            {
                completion = Completion.Failed; // its data was discarded by intent: no epoch to keep open
            }
        }
        else
        {
            if (!doomed)
            {
                PageState.SetBits(ref metadata.State, PageState.Unsynced);
                if (canaries.CleanPageWrittenDuringWriteback && (state & PageState.Dirty) != 0)
                {
                    // The canary: the completed write marks the page clean, so sectors written into
                    // it during the I/O are never written.
                    metadata.DirtySectors = UInt128.Zero;
                    PageState.ClearBits(ref metadata.State, PageState.Dirty);
                }
            }

            completion = Completion.Written;
            if ((state & PageState.WriteFailed) != 0)
            {
                PageState.ClearBits(ref metadata.State, PageState.WriteFailed);
                completion = Completion.Recovered;
            }

            metadata.SyncGeneration = file.SyncGeneration;
        }

        Recount(file, counts, state, Volatile.Read(ref metadata.State));
        AssertFrameConsistent(ref metadata);
        PageState.ExitMetaLock(ref metadata.State);
        if (!doomed && file.Index.Lookup(page) == frame)
        {
            file.Index.ClearTagLocked(page, PageTag.Writeback);
            file.Index.SetTagLocked(page, failed ? PageTag.Dirty : PageTag.Unsynced);
        }

        return completion;
    }

    /// <summary>Ends a page's writeback: clears its Writeback bit and moves it out of the writeback gauge. Returns the state after.</summary>
    public int EndWriteback(FileObject file, int frame)
    {
        // Under the meta lock, so the page leaves the writeback gauge (for dirty, unsynced or none)
        // in the same step as its bit, ordered with every other transition.
        ref FrameMetadata metadata = ref pool.Metadata(frame);
        PageState.EnterMetaLock(ref metadata.State);
        int before = PageState.ClearBits(ref metadata.State, PageState.Writeback);
        Debug.Assert((before & PageState.Writeback) != 0, "Only a page under writeback ends it.");
        int after = before & ~PageState.Writeback;
        Recount(file, counts, before, after);
        AssertFrameConsistent(ref metadata);
        PageState.ExitMetaLock(ref metadata.State);
        return after & ~PageState.MetaLock;
    }

    /// <summary>Makes an unsynced page durable (the store's durable flush covered it). The caller holds the file lock.</summary>
    public void MarkDurableLocked(FileObject file, long page, int frame)
    {
        ref FrameMetadata metadata = ref pool.Metadata(frame);
        PageState.EnterMetaLock(ref metadata.State);
        int before = PageState.ClearBits(ref metadata.State, PageState.Unsynced);
        Debug.Assert((before & PageState.Unsynced) != 0, "Only an unsynced page is made durable.");
        Recount(file, counts, before, before & ~PageState.Unsynced);
        AssertFrameConsistent(ref metadata);
        PageState.ExitMetaLock(ref metadata.State);
        file.Index.ClearTagLocked(page, PageTag.Unsynced);
    }

    /// <summary>
    /// Makes an unsynced page dirty again after its durable flush failed: every valid sector, since
    /// what reached the device is unknown. Returns true when it had not failed before (a new
    /// failure for the error epoch). The caller holds the file lock.
    /// </summary>
    public bool RedirtyAfterFailedSyncLocked(FileObject file, long page, int frame)
    {
        ref FrameMetadata metadata = ref pool.Metadata(frame);
        PageState.EnterMetaLock(ref metadata.State);
        metadata.DirtySectors |= metadata.ValidSectors;
        int before = PageState.ClearBits(ref metadata.State, PageState.Unsynced);
        Debug.Assert((before & PageState.Unsynced) != 0, "Only an unsynced page is made dirty by a failed durable flush.");
        PageState.SetBits(ref metadata.State, PageState.Dirty | PageState.WriteFailed);
        Recount(file, counts, before, Volatile.Read(ref metadata.State));
        AssertFrameConsistent(ref metadata);
        PageState.ExitMetaLock(ref metadata.State);
        file.Index.ClearTagLocked(page, PageTag.Unsynced);
        file.Index.SetTagLocked(page, PageTag.Dirty);
        return (before & PageState.WriteFailed) == 0;
    }

    /// <summary>
    /// Marks the sectors <paramref name="past"/> a new end of file valid (zeroed) and not dirty: they
    /// are not data any more. A page left with no dirty sector is clean, untagged here under the
    /// file lock; if its write had failed, what failed was given up with the truncate, as a failed
    /// page the truncate drops (T4), so it no longer keeps the error epoch open. The caller holds the
    /// page and not the file lock.
    /// </summary>
    public void ClipPastEnd(FileObject file, long page, int frame, UInt128 past)
    {
        ref FrameMetadata metadata = ref pool.Metadata(frame);
        PageState.EnterMetaLock(ref metadata.State);
        metadata.ValidSectors |= past;
        metadata.DirtySectors &= ~past;
        bool becameClean = metadata.DirtySectors == UInt128.Zero && (Volatile.Read(ref metadata.State) & PageState.Dirty) != 0;
        if (becameClean)
        {
            int before = PageState.ClearBits(ref metadata.State, PageState.Dirty);
            Recount(file, counts, before, before & ~PageState.Dirty);
        }

        AssertFrameConsistent(ref metadata);
        PageState.ExitMetaLock(ref metadata.State);
        if (becameClean)
        {
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                file.Index.ClearTagLocked(page, PageTag.Dirty);

                // Under the file lock with the epoch's count, so a failure of another page in
                // between cannot join an epoch that has in truth ended.
                PageState.EnterMetaLock(ref metadata.State);
                int before = PageState.ClearBits(ref metadata.State, PageState.WriteFailed);
                PageState.ExitMetaLock(ref metadata.State);
                if ((before & PageState.WriteFailed) != 0)
                {
                    file.Errors.RecordRecoveryLocked(1);
                }
            }
        }
    }

    /// <summary>
    /// Drops a page's data not yet durable, by intent (truncation): dirty and unsynced become clean,
    /// WriteFailed is cleared; with <paramref name="doom"/> the page is doomed in the same step, so a
    /// writer holding it either dirtied it before (and that is discarded here) or sees Doomed and
    /// does not. Returns true when the page carried WriteFailed.
    /// </summary>
    public bool DiscardData(FileObject file, int frame, bool doom)
    {
        ref FrameMetadata metadata = ref pool.Metadata(frame);
        PageState.EnterMetaLock(ref metadata.State);
        if (doom)
        {
            PageState.SetBits(ref metadata.State, PageState.Doomed);
        }

        metadata.DirtySectors = UInt128.Zero;
        int before = PageState.ClearBits(ref metadata.State, PageState.Dirty | PageState.Unsynced | PageState.WriteFailed);
        Recount(file, counts, before, before & ~(PageState.Dirty | PageState.Unsynced));
        AssertFrameConsistent(ref metadata);
        PageState.ExitMetaLock(ref metadata.State);
        return (before & PageState.WriteFailed) != 0;
    }

    /// <summary>
    /// Forgets that a page is unsynced, so its frame can be freed before it is durable: a bug on
    /// purpose, only for the EvictUnsyncedPage canary (PlantedBugs), which proves the suites catch it.
    /// </summary>
    public void ForgetUnsyncedForCanary(FileObject file, int frame)
    {
        ref FrameMetadata metadata = ref pool.Metadata(frame);
        PageState.EnterMetaLock(ref metadata.State);
        int before = PageState.ClearBits(ref metadata.State, PageState.Unsynced);
        Recount(file, counts, before, before & ~PageState.Unsynced);
        PageState.ExitMetaLock(ref metadata.State);
    }

    /// <summary>How long the file's oldest dirty page has been dirty: a walk of its dirty pages, under the file lock.</summary>
    public TimeSpan OldestDirtyAge(FileObject file)
    {
        int now = clock.NowTick;
        int oldest = 0;
        using (LockOrder.Enter(file.Lock, LockRank.FileObject))
        {
            long page = 0;
            while (file.Index.FindNextLocked(page, long.MaxValue, PageTag.Dirty, out page, out int frame))
            {
                oldest = Math.Max(oldest, now - pool.Metadata(frame).DirtiedAtTick);
                page++;
            }
        }

        return TimeSpan.FromMilliseconds((double)oldest * CacheClock.TickMilliseconds);
    }

    /// <summary>Checks, in debug builds, that a frame's views agree; the caller holds its meta lock.</summary>
    [Conditional("DEBUG")]
    private static void AssertFrameConsistent(ref FrameMetadata metadata)
    {
        int state = Volatile.Read(ref metadata.State);
        Debug.Assert((state & PageState.MetaLock) != 0, "The frame's views are checked under its meta lock.");
        Debug.Assert(((state & PageState.Dirty) != 0) == (metadata.DirtySectors != UInt128.Zero), $"The Dirty bit ({(state & PageState.Dirty) != 0}) says whether the page has dirty sectors ({metadata.DirtySectors != UInt128.Zero}).");
        Debug.Assert((metadata.DirtySectors & ~metadata.ValidSectors) == UInt128.Zero, "Every dirty sector is valid.");
    }

    private static bool IsToWrite(int gauge) => gauge is PageState.Dirty or PageState.Writeback;

    private static void AddToGauge(FileObject file, WritebackCounts counts, int gauge, int delta)
    {
        switch (gauge)
        {
            case PageState.Dirty:
                file.AddDirtyPages(delta);
                counts.AddDirtyPages(delta);
                break;
            case PageState.Writeback:
                file.AddWritebackPages(delta);
                counts.AddWritebackPages(delta);
                break;
            case PageState.Unsynced:
                file.AddUnsyncedPages(delta);
                counts.AddUnsyncedPages(delta);
                break;
        }
    }
}
