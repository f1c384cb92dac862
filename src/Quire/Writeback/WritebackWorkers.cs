// WritebackWorkers: a fixed set of threads that write files in parallel when the page writer is
// urgent, so several writes are in flight at once (bounded by MaxWritesInFlight).
//
// Locking: _monitor guards the job list and the count of jobs in progress. RunAll blocks the
// page writer's thread until every job of the batch is done.

namespace Quire.Writeback;

internal sealed class WritebackWorkers : IDisposable
{
    private readonly object _monitor = new();
    private readonly Queue<Action> _jobs = new(); // (_monitor)
    private readonly Thread[] _threads;
    private int _running; // (_monitor) jobs taken and not finished
    private bool _stopping; // (_monitor)
    private Exception? _jobFailure; // (_monitor) the first exception a job of the current batch threw

    public WritebackWorkers(int count)
    {
        _threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"quire-writeback-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>Runs <paramref name="action"/> for every item on the workers and waits for all of them.</summary>
    public void RunAll<T>(IReadOnlyList<T> items, Action<T> action)
    {
        lock (_monitor)
        {
            foreach (T item in items)
            {
                _jobs.Enqueue(() => action(item));
            }

            Monitor.PulseAll(_monitor);
            while (_jobs.Count > 0 || _running > 0)
            {
                Monitor.Wait(_monitor);
            }

            Exception? failure = _jobFailure;
            _jobFailure = null;
            if (failure is not null)
            {
                // Reported on the page writer's thread, which keeps it for the next flush.
                throw new InvalidOperationException("A writeback worker failed.", failure);
            }
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
    }

    private void Work()
    {
        while (true)
        {
            Action job;
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
                _running++;
            }

            try
            {
                job();
            }
            catch (Exception e)
            {
                // Writes report store failures through their outcomes, so this is a bug: hand it
                // to the page writer's thread instead of letting the worker die with the batch.
                lock (_monitor)
                {
                    _jobFailure ??= e;
                }
            }
            finally
            {
                lock (_monitor)
                {
                    _running--;
                    Monitor.PulseAll(_monitor);
                }
            }
        }
    }
}
