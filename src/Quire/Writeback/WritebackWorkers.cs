// WritebackWorkers: a fixed set of threads that run a caller's batch of writeback jobs in
// parallel (files written at once by an urgent page writer; the runs of one writeback), so
// several writes are in flight (bounded by MaxWritesInFlight threads). The caller runs jobs of
// its own batch too while it waits, so a batch always makes progress, even when every thread is
// busy with other batches, and after Dispose the caller runs the whole batch itself.
//
// Locking: _monitor guards the job queue and every batch's counts. A batch's caller waits for
// its own jobs only, never for other callers' batches. Jobs must not wait on other batches.

namespace Quire.Writeback;

internal sealed class WritebackWorkers : IDisposable
{
    private readonly object _monitor = new();
    private readonly Queue<(Batch Batch, int Index)> _jobs = new(); // (_monitor)
    private readonly Thread[] _threads;
    private bool _stopping; // (_monitor)

    public WritebackWorkers(int count, string name)
    {
        _threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"{name}-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>Runs <paramref name="action"/> for every item on the workers and waits for all of them.</summary>
    public void RunAll<T>(IReadOnlyList<T> items, Action<T> action) => RunAll(items.Count, i => action(items[i]));

    /// <summary>
    /// Runs <paramref name="action"/>(0 .. <paramref name="count"/> - 1) on the workers and on the
    /// calling thread, and returns when all have ended. A job's exception is a bug (writes report
    /// store failures through their outcomes): it is rethrown here, after the whole batch ended.
    /// </summary>
    public void RunAll(int count, Action<int> action)
    {
        var batch = new Batch(action, count);
        lock (_monitor)
        {
            for (int i = 0; i < count; i++)
            {
                _jobs.Enqueue((batch, i));
            }

            Monitor.PulseAll(_monitor);
        }

        // Help with this batch's jobs while one is at the front of the queue (after Dispose, all
        // of them), and otherwise wait for the workers to finish them.
        while (true)
        {
            int index;
            lock (_monitor)
            {
                if (batch.Remaining == 0)
                {
                    break;
                }

                if (!TryTakeOwnJobLocked(batch, out index))
                {
                    Monitor.Wait(_monitor);
                    continue;
                }
            }

            Run(batch, index);
        }

        if (batch.Failure is { } failure)
        {
            // Reported on the caller's thread, which keeps it for the next flush.
            throw new InvalidOperationException("A writeback job failed.", failure);
        }
    }

    public void Dispose()
    {
        lock (_monitor)
        {
            _stopping = true;
            Monitor.PulseAll(_monitor);
        }

        foreach (Thread thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(30));
        }

        // Jobs left queued run on their callers, which wait on the monitor: wake them to take them.
        lock (_monitor)
        {
            Monitor.PulseAll(_monitor);
        }
    }

    private bool TryTakeOwnJobLocked(Batch batch, out int index)
    {
        if (_jobs.TryPeek(out var front) && front.Batch == batch)
        {
            _jobs.Dequeue();
            index = front.Index;
            return true;
        }

        if (_stopping)
        {
            // The workers are gone: take this batch's jobs from wherever they are.
            int count = _jobs.Count;
            int found = -1;
            for (int i = 0; i < count; i++)
            {
                var job = _jobs.Dequeue();
                if (found < 0 && job.Batch == batch)
                {
                    found = job.Index;
                    continue;
                }

                _jobs.Enqueue(job);
            }

            index = found;
            return found >= 0;
        }

        index = -1;
        return false;
    }

    private void Run(Batch batch, int index)
    {
        batch.Run(index);
        lock (_monitor)
        {
            if (--batch.Remaining == 0)
            {
                Monitor.PulseAll(_monitor);
            }
        }
    }

    private void Work()
    {
        while (true)
        {
            (Batch Batch, int Index) job;
            lock (_monitor)
            {
                while (_jobs.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_monitor);
                }

                if (_stopping)
                {
                    return;
                }

                job = _jobs.Dequeue();
            }

            Run(job.Batch, job.Index);
        }
    }

    /// <summary>One caller's jobs: how many are not finished, and the first failure.</summary>
    private sealed class Batch(Action<int> action, int count)
    {
        private Exception? _failure; // (A) the first job's exception

        public int Remaining { get; set; } = count; // (_monitor)

        public Exception? Failure => Volatile.Read(ref _failure);

        public void Run(int index)
        {
            try
            {
                action(index);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
        }
    }
}
