// PageWriterPass: the record of one page writer pass (RunOnePass): why it wrote, how urgently,
// the pages it wrote in all and per file, and the failures; tests read it, and the writer's
// thread paces itself by it.
//
// Locking: _lock guards the tallies, since the files of an urgent pass are written on several
// worker threads at once; Mode, Urgent and FilesBackingOff are set by the pass's own thread.

using Quire.Internal;

namespace Quire.Writeback;

/// <summary>What one page writer pass did; tests read it, the writer's thread uses it to pace itself.</summary>
internal sealed class PageWriterPass
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Files.FileObject, int> _pagesByFile = [];

    /// <summary>Why the pass wrote ("background", "expiry", "everything"), or null if it found nothing to do.</summary>
    public string? Mode { get; set; }

    /// <summary>Whether it wrote with full concurrency and normal I/O priority.</summary>
    public bool Urgent { get; set; }

    public int PagesWritten { get; private set; }

    public int Errors { get; private set; }

    public int FilesBackingOff { get; set; }

    public int PagesWrittenOf(Files.FileObject file)
    {
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            return _pagesByFile.GetValueOrDefault(file);
        }
    }

    public void Record(Files.FileObject file, WritebackOutcome outcome)
    {
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            PagesWritten += outcome.PagesWritten;
            Errors += outcome.Error is null ? 0 : 1;
            _pagesByFile[file] = _pagesByFile.GetValueOrDefault(file) + outcome.PagesWritten;
        }
    }

    public void RecordSync(Exception? error)
    {
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            Errors += error is null ? 0 : 1;
        }
    }
}
