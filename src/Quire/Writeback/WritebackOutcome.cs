// WritebackOutcome: what one writeback of a file's range did: the pages it claimed and wrote, where
// it stopped, the pages it found under another writeback, and the failures with their ranges.
//
// Locking: owned by the thread that runs the writeback; the runs it writes in parallel (I/O
// threads, io_uring completions) change the totals they share under a lock on the outcome itself.

namespace Quire.Writeback;

/// <summary>What one writeback of a file's range did: pages written, pages it had to skip, and the failures.</summary>
internal sealed class WritebackOutcome
{
    /// <summary>Pages claimed for writing (written or failed).</summary>
    public int PagesClaimed { get; set; }

    /// <summary>Bytes written to the store.</summary>
    public long BytesWritten { get; set; }

    /// <summary>Where a writeback with a page budget stopped: the next page to look at.</summary>
    public long NextPage { get; set; }

    /// <summary>Pages whose write succeeded.</summary>
    public int PagesWritten { get; set; }

    /// <summary>Pages already under another writeback, skipped; a flush waits for them and looks again.</summary>
    public List<(long PageNumber, int Frame)> Busy { get; } = [];

    /// <summary>The byte ranges whose write failed.</summary>
    public List<ByteRange> FailedRanges { get; } = [];

    /// <summary>The first failure, or null.</summary>
    public Exception? Error { get; set; }

    /// <summary>Whether the file's size was changing, so a writeback that must not wait did nothing.</summary>
    public bool Skipped { get; set; }
}
