// ReadAheadState: one handle's sequential-access detector and read-ahead window (Linux keeps one
// per open file, not per inode, so two readers of one file do not confuse each other).
//
// Locking: none. The fields are heuristics: threads racing on one handle may lose an update,
// which costs a smaller or larger window, never a wrong byte. Longs are written atomically on
// 64-bit platforms.

namespace Quire.Paging;

internal sealed class ReadAheadState
{
    private const int InitialWindowPages = 4; // 16 KiB with 4 KiB pages, as Linux starts small on a new stream

    private long _nextOffset; // where a sequential reader reads next; 0 so a read from the start counts as sequential
    private int _windowPages;

    /// <summary>The access pattern the handle's owner advised.</summary>
    public FileAdvice Advice { get; set; } = FileAdvice.Normal;

    /// <summary>
    /// The number of pages to read ahead beyond a request that starts at <paramref name="requestOffset"/>
    /// and missed: the window doubles while access stays sequential and collapses when it does not.
    /// </summary>
    public int NextWindow(long requestOffset, int maxPages)
    {
        if (maxPages <= 0 || Advice == FileAdvice.Random)
        {
            return 0;
        }

        if (Advice == FileAdvice.Sequential)
        {
            return maxPages;
        }

        if (requestOffset != Volatile.Read(ref _nextOffset))
        {
            _windowPages = 0;
            Volatile.Write(ref _asyncNextPage, -1);
            return 0;
        }

        _windowPages = _windowPages == 0 ? Math.Min(InitialWindowPages, maxPages) : Math.Min(_windowPages * 2, maxPages);
        return _windowPages;
    }

    private long _asyncNextPage = -1; // where the next background window starts, or -1 when none is armed
    private int _asyncWindowPages;

    /// <summary>Arms the background read-ahead: the next window starts at <paramref name="nextPage"/>.</summary>
    public void ArmAsync(long nextPage, int windowPages)
    {
        _asyncWindowPages = windowPages;
        Volatile.Write(ref _asyncNextPage, nextPage);
    }

    /// <summary>
    /// Takes the armed background window, if any, when the reader reached a marked page: returns its
    /// first page and length, and arms the one after it, doubling up to <paramref name="maxPages"/>.
    /// </summary>
    public bool TakeAsync(int maxPages, out long firstPage, out int pageCount)
    {
        firstPage = Interlocked.Exchange(ref _asyncNextPage, -1);
        pageCount = Math.Min(Math.Max(1, _asyncWindowPages * 2), maxPages);
        if (firstPage < 0 || Advice == FileAdvice.Random || maxPages <= 0)
        {
            return false;
        }

        ArmAsync(firstPage + pageCount, pageCount);
        return true;
    }

    /// <summary>Records where the last read ended.</summary>
    public void Record(long endOffset) => Volatile.Write(ref _nextOffset, endOffset);
}
