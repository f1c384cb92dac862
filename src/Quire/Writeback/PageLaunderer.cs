// PageLaunderer: cleans the dirty pages the reclaim scan wants to reuse. When the page writer
// runs, it hands it the ranges and waits (briefly) for writeback to make progress, so an
// allocating thread does not write back itself and the writes keep the page writer's large
// clusters; without a page writer, it writes back the runs around the pages on the allocating
// thread and makes their files durable. Either way the next scan can reclaim them. Written but
// not durable pages are never evicted (P5), hence the sync.
//
// Locking: none of its own; it runs with no lock held and uses ClusterWriter and FileSync.
// It never waits for a file's size change: a file being resized is skipped this time.

using Quire.Files;
using Quire.Frames;
using Quire.Internal;
using Quire.Paging;

namespace Quire.Writeback;

internal sealed class PageLaunderer : IPageLaunderer
{
    private readonly FramePool _pool; // (I)
    private readonly FileTable _files; // (I)
    private readonly ClusterWriter _writer; // (I)
    private readonly FileSync _sync; // (I)
    private readonly TimeSpan _maxPageWait; // (I)
    private readonly PageWriter _pageWriter; // (I)
    private readonly ProgressSignal _progress; // (I)
    private readonly TimeProvider _timeProvider; // (I)

    public PageLaunderer(FramePool pool, FileTable files, ClusterWriter writer, FileSync sync, PageWriter pageWriter, ProgressSignal progress, TimeProvider timeProvider, TimeSpan maxPageWait)
    {
        _pool = pool;
        _files = files;
        _writer = writer;
        _sync = sync;
        _pageWriter = pageWriter;
        _progress = progress;
        _timeProvider = timeProvider;
        _maxPageWait = maxPageWait;
    }

    /// <summary>How long an allocating thread waits for the page writer before it scans again.</summary>
    private static TimeSpan HandOffWait => TimeSpan.FromMilliseconds(50);

    public Exception? Launder(ReadOnlySpan<int> frames)
    {
        // Group the pages by file, as the range each file's pages span: one pass per file.
        var ranges = new Dictionary<int, (long First, long Last)>();
        foreach (int frame in frames)
        {
            ref FrameMetadata metadata = ref _pool.Metadata(frame);
            int fileId = Volatile.Read(ref metadata.FileId);
            long page = Volatile.Read(ref metadata.PageNumber);
            if (fileId == FrameMetadata.FreeFileId || page < 0)
            {
                continue;
            }

            ranges[fileId] = ranges.TryGetValue(fileId, out var range)
                ? (Math.Min(range.First, page), Math.Max(range.Last, page))
                : (page, page);
        }

        if (_pageWriter.IsRunning)
        {
            Exception? lastError = null;
            foreach ((int fileId, (long first, long last)) in ranges)
            {
                if (_files.GetById(fileId) is { } file)
                {
                    _pageWriter.Request(file, first, last + 1, makeDurable: true);
                    using (LockOrder.Enter(file.Lock, LockRank.FileObject))
                    {
                        lastError ??= file.Errors.IsFailing ? file.Errors.LastError : null;
                    }
                }
            }

            _progress.Wait(_timeProvider, HandOffWait);
            return lastError;
        }

        Exception? error = null;
        foreach ((int fileId, (long first, long last)) in ranges)
        {
            FileObject? file = _files.GetById(fileId);
            if (file is null)
            {
                continue;
            }

            var outcome = _writer.WriteBack(file, first, last + 1, waitForGate: false, Deadline.After(_maxPageWait), new WritebackLimits(0, null, SkipBusy: true));
            error ??= outcome.Error;
            if (outcome.Skipped || !file.Gate.TryEnterIo())
            {
                continue;
            }

            try
            {
                error ??= _sync.Sync(file);
            }
            finally
            {
                file.Gate.ExitIo();
            }
        }

        return error;
    }
}
