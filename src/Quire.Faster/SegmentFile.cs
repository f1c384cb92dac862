// SegmentFile: one log segment's handle and its durable flushes, batched (group commit): every
// write that must be durable asks for a flush, and the asks that arrive while a flush runs share the next one, so FASTER's many page
// writes in flight to a segment cost one fsync per round, not one each.
//
// Locking: _lock guards _waiting and _flushing; never held across the flush or a completion.
// Invariants: at most one flush of the file runs at a time (_flushing); an ask is answered only by
// a flush that started after it was made, so everything written before the ask is durable when
// its task completes.

namespace Quire.Faster;

/// <summary>One segment's <see cref="CachedFile"/> and its durable flushes, batched (group commit).</summary>
internal sealed class SegmentFile
{
    private readonly CachedFile _file; // (I)
    private readonly Lock _lock = new();
    private TaskCompletionSource? _waiting; // (L) the asks the next flush answers
    private bool _flushing; // (L) a flush loop runs

    public SegmentFile(CachedFile file) => _file = file;

    /// <summary>The segment's handle, shared by every read and write of the segment.</summary>
    public CachedFile File => _file;

    /// <summary>
    /// A task that completes when everything written to the file before this call is durable, or
    /// faults with the flush's failure. Never blocks: the flush runs on the thread pool
    /// (<see cref="CachedFile.FlushAsync"/>).
    /// </summary>
    public Task FlushAsync()
    {
        TaskCompletionSource ask;
        bool start;
        lock (_lock)
        {
            _waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ask = _waiting;
            start = !_flushing;
            _flushing = true;
        }

        if (start)
        {
            _ = RunFlushesAsync();
        }

        return ask.Task;
    }

    /// <summary>
    /// Flushes until no ask waits: each round takes the asks made so far, flushes once, and answers
    /// them all. Every failure, of any type, is handed to the asks of its round (whose waiters
    /// report it to FASTER), so none escapes on a thread nobody waits on and no ask is left hanging.
    /// </summary>
    private async Task RunFlushesAsync()
    {
        // Bounded by the asks: a round runs only for asks made before it started, and a writer asks
        // once per completed write.
        while (true)
        {
            TaskCompletionSource? round;
            lock (_lock)
            {
                round = _waiting;
                _waiting = null;
                if (round is null)
                {
                    _flushing = false;
                    return;
                }
            }

            try
            {
                await _file.FlushAsync().ConfigureAwait(false);
                round.SetResult();
            }
            catch (Exception e)
            {
                round.SetException(e);
            }
        }
    }
}
