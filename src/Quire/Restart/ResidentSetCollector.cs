// ResidentSetCollector: describes the cache's resident set for a save: for every file opened by
// path that still has the name it was opened by, what a stat of that name says now (identity, size,
// modification time) and its resident pages as runs of one hotness, read from the frame metadata
// (the queue and the reference bit). Files opened through a caller's store are left out: a new
// cache could not open them again.
//
// Locking: takes each file object's lock (F) for at most PagesPerLockHold pages at a time, so a
// foreground miss on that file waits that long at most; takes a frame's meta lock (M) to read its
// valid sectors. No other lock, and no I/O under a lock (the stat runs before the pages are read).
// What it reads is a snapshot that may be stale by the time it is saved: it is a hint for a later
// reload, never data.

using Quire.Files;
using Quire.Frames;
using Quire.Internal;
using Quire.Paging;

namespace Quire.Restart;

internal static class ResidentSetCollector
{
    /// <summary>4,096 pages: one hold of a file's lock walks this many index entries (tens of microseconds).</summary>
    private const int PagesPerLockHold = 4096;

    /// <summary>Describes the resident pages of every file opened by path in <paramref name="table"/>.</summary>
    public static ResidentSet Collect(FileTable table, FramePool pool)
    {
        var files = new List<ResidentFile>();
        foreach (FileObject file in table.Snapshot())
        {
            if (!file.KeptWhenIdle || file.Unlinked || file.Key is not FileIdentity identity || file.Index.Count == 0)
            {
                continue;
            }

            // The name must still be this file's: a file renamed or deleted since it was opened
            // cannot be found by it again, and a name now naming another file must not be read.
            string path = Path.GetFullPath(file.Name);
            if (LinuxFileIO.TryStat(path) is not { } stamp || stamp.Identity != identity)
            {
                continue;
            }

            PageRun[] runs = CollectRuns(file, pool);
            if (runs.Length > 0)
            {
                files.Add(new ResidentFile(path, identity, stamp.Size, stamp.ModifiedNanoseconds, runs));
            }
        }

        return new ResidentSet(pool.PageSize, [.. files]);
    }

    /// <summary>The file's resident, valid pages as runs of consecutive pages of one hotness, in page order.</summary>
    private static PageRun[] CollectRuns(FileObject file, FramePool pool)
    {
        var runs = new List<PageRun>();
        long from = 0;
        bool more = true;
        while (more)
        {
            using (LockOrder.Enter(file.Lock, LockRank.FileObject))
            {
                more = false;
                for (int i = 0; i < PagesPerLockHold; i++)
                {
                    if (!file.Index.FindNextLocked(from, long.MaxValue, tag: null, out long page, out int frame))
                    {
                        break;
                    }

                    from = page + 1;
                    more = true;
                    if (HotnessOf(pool, frame) is { } hotness)
                    {
                        Append(runs, page, hotness);
                    }
                }
            }
        }

        return [.. runs];
    }

    /// <summary>The hotness of the page in <paramref name="frame"/>, or null when it holds no valid byte yet (a read in flight).</summary>
    private static PageHotness? HotnessOf(FramePool pool, int frame)
    {
        ref FrameMetadata metadata = ref pool.Metadata(frame);
        PageState.EnterMetaLock(ref metadata.State);
        bool valid = metadata.ValidSectors != UInt128.Zero;
        PageState.ExitMetaLock(ref metadata.State);
        if (!valid)
        {
            return null;
        }

        int state = Volatile.Read(ref metadata.State);
        return PageState.QueueOf(state) == PageQueue.Active ? PageHotness.Active
            : (state & PageState.Referenced) != 0 ? PageHotness.Referenced
            : PageHotness.Cold;
    }

    private static void Append(List<PageRun> runs, long page, PageHotness hotness)
    {
        if (runs.Count > 0 && runs[^1] is { } last && last.EndPage == page && last.Hotness == hotness && last.PageCount < int.MaxValue)
        {
            runs[^1] = last with { PageCount = last.PageCount + 1 };
        }
        else
        {
            runs.Add(new PageRun(page, 1, hotness));
        }
    }
}
