// PageAccounting: the one place that keeps the not-durable gauges in step with the page state.
// Each page that holds data not yet durable counts in exactly one gauge, chosen by its state:
//   dirty       Dirty is set (whatever else is: a page re-dirtied under writeback or while
//               unsynced is dirty, and counts once)
//   writeback   Writeback is set and Dirty is not
//   unsynced    Unsynced is set and neither Dirty nor Writeback is
// so dirty + writeback + unsynced is the number of pages that are not durable, each counted once,
// and dirty + writeback is what the throttle paces (Linux's NR_FILE_DIRTY + NR_WRITEBACK; written
// but not yet durable pages are clean for throttling, as they are for Linux once written).
// A transition calls Recount with the state word before and after it; the file's and the cache's
// gauges, and the file's device's count of files with data to write, move together.
//
// Locking: callers hold the frame's meta lock across the state change, so the before and after
// values they pass are the page's own; the gauges are atomic.

using Quire.Frames;
using Quire.Metrics;

namespace Quire.Files;

internal static class PageAccounting
{
    /// <summary>The gauge a page in <paramref name="state"/> counts in: Dirty, Writeback, Unsynced, or 0 (durable).</summary>
    public static int GaugeOf(int state) =>
        (state & PageState.Dirty) != 0 ? PageState.Dirty
        : (state & PageState.Writeback) != 0 ? PageState.Writeback
        : state & PageState.Unsynced;

    /// <summary>Moves one page between gauges after its state went from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static void Recount(FileObject file, CacheCounters counters, int before, int after)
    {
        int from = GaugeOf(before);
        int to = GaugeOf(after);
        if (from == to)
        {
            return;
        }

        Add(file, counters, from, -1);
        Add(file, counters, to, 1);
        int toWrite = (IsToWrite(to) ? 1 : 0) - (IsToWrite(from) ? 1 : 0);
        if (toWrite != 0)
        {
            file.AddPagesToWrite(toWrite);
        }
    }

    private static bool IsToWrite(int gauge) => gauge is PageState.Dirty or PageState.Writeback;

    private static void Add(FileObject file, CacheCounters counters, int gauge, int delta)
    {
        switch (gauge)
        {
            case PageState.Dirty:
                file.AddDirtyPages(delta);
                counters.AddDirtyPages(delta);
                break;
            case PageState.Writeback:
                file.AddWritebackPages(delta);
                counters.AddWritebackPages(delta);
                break;
            case PageState.Unsynced:
                file.AddUnsyncedPages(delta);
                counters.AddUnsyncedPages(delta);
                break;
        }
    }
}
