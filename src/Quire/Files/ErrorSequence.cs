// ErrorSequence: a file's write errors as Linux's errseq_t keeps them. The first failure after the
// file was healthy starts a new epoch (P3 in docs/DURABILITY.md); the epoch lasts while any page carries
// PageState.WriteFailed (its pages are written or discarded). Every handle, and FlushAll, has a
// cursor: an epoch its cursor has not seen is reported to it once, with the ranges that failed and
// the last error, so each flusher learns of each failure, and an epoch nobody has seen is reported
// to the next opener (Linux 4.17's rule), keeping the file object open meanwhile (E4).
//
// Locking: every member is guarded by the file's lock (F), which the caller holds.

using System.Diagnostics;

namespace Quire.Files;

internal sealed class ErrorSequence(string name, Lock fileLock)
{
    private const int MaxRangesPerEpoch = 64; // bounds the memory an epoch of many failures keeps

    private readonly List<ByteRange> _ranges = []; // (F) ranges that failed in the current epoch, bounded
    private int _epoch; // (F) error epochs so far; 0 while the file never failed
    private bool _reported; // (F) whether any cursor has reported the current epoch
    private int _failedPageCount; // (F) pages with PageState.WriteFailed; the epoch lasts while > 0
    private Exception? _lastError; // (F)

    /// <summary>(F) The current error epoch: a cursor that differs has an error to report.</summary>
    public int Epoch => _epoch;

    /// <summary>(F) The last failure recorded, or null.</summary>
    public Exception? LastError => _lastError;

    /// <summary>(F) Whether an error epoch is in progress: some page's write failed and it was not written since.</summary>
    public bool IsFailing => _failedPageCount > 0;

    /// <summary>Whether an error epoch exists that no cursor has reported: the file object must then outlive its handles (E4).</summary>
    public bool HasUnreportedLocked => _epoch != 0 && !_reported;

    /// <summary>Records that <paramref name="newlyFailedPages"/> pages' write or durable flush failed; the first failure of a healthy file starts an epoch.</summary>
    public void RecordFailureLocked(Exception error, ByteRange range, int newlyFailedPages)
    {
        Debug.Assert(fileLock.IsHeldByCurrentThread, "The file lock is held.");
        if (_failedPageCount == 0)
        {
            _epoch++;
            _reported = false;
            _ranges.Clear();
        }

        _failedPageCount += newlyFailedPages;
        _lastError = error;
        if (_ranges.Count < MaxRangesPerEpoch)
        {
            _ranges.Add(range);
        }
    }

    /// <summary>Records that <paramref name="recoveredPages"/> pages that had failed were written (or discarded on purpose).</summary>
    public void RecordRecoveryLocked(int recoveredPages)
    {
        Debug.Assert(fileLock.IsHeldByCurrentThread, "The file lock is held.");
        _failedPageCount -= recoveredPages;
        Debug.Assert(_failedPageCount >= 0, $"'{name}' counts a non-negative number of failed pages.");
    }

    /// <summary>The epoch nobody reported, with what failed in it, or null (see <see cref="InheritLocked"/>).</summary>
    public UnreportedEpoch? UnreportedLocked()
    {
        Debug.Assert(fileLock.IsHeldByCurrentThread, "The file lock is held.");
        return HasUnreportedLocked ? new UnreportedEpoch([.. _ranges], _lastError) : null;
    }

    /// <summary>
    /// Starts an epoch nobody has reported, with what failed in <paramref name="epoch"/>: the epoch of
    /// a retired object of the same file (stale: its pages were dropped, so none is failing now),
    /// which its next opener would have been told (E4), and is told now through this sequence.
    /// </summary>
    public void InheritLocked(UnreportedEpoch epoch)
    {
        Debug.Assert(fileLock.IsHeldByCurrentThread, "The file lock is held.");
        _epoch++;
        _reported = false;
        _ranges.Clear();
        _ranges.AddRange(epoch.Ranges);
        _lastError = epoch.LastError;
    }

    /// <summary>A new cursor's starting point: an epoch nobody has reported is reported to the next flusher (Linux 4.17's errseq rule).</summary>
    public int NewCursorLocked() => _reported || _epoch == 0 ? _epoch : _epoch - 1;

    /// <summary>If <paramref name="cursor"/> has not seen the current epoch, advances it and returns the error to report.</summary>
    public WritebackFailedException? ConsumeLocked(ref int cursor)
    {
        Debug.Assert(fileLock.IsHeldByCurrentThread, "The file lock is held.");
        if (cursor == _epoch)
        {
            return null;
        }

        cursor = _epoch;
        _reported = true;
        var ranges = new List<ByteRange>(_ranges);
        ranges.Sort((a, b) => a.FileOffset.CompareTo(b.FileOffset));
        return new WritebackFailedException(name, ranges, _lastError);
    }

    /// <summary>
    /// The cache-wide flush's variant of <see cref="ConsumeLocked"/>: it reports through its own
    /// cursor and does not count as a report to the handles, so each of them still sees the epoch.
    /// </summary>
    public WritebackFailedException? ConsumeForCacheLocked(ref int cursor)
    {
        bool reported = _reported;
        WritebackFailedException? error = ConsumeLocked(ref cursor);
        _reported = reported;
        return error;
    }
}
