// WritebackWorkers: a fixed set of threads that run writeback jobs in parallel, so several writes
// are in flight (bounded by the number of threads, MaxWritesInFlight up to MaxThreads): the files an urgent page
// writer writes at once (RunAll, which waits for its batch), and the runs of one writeback to a
// store whose writes wait for a device (Post, whose jobs report their own end).
//
// Locking: the job queue is a ConcurrentQueue with a semaphore counting its jobs, so posting a
// job and taking one never contend on a lock (a writeback keeps thousands in flight a second). A
// batch's caller runs one job itself and waits on its batch's own event, set by the job that ends
// it, so it never waits for other callers' jobs. Jobs must not wait on other jobs. After Dispose
// the workers finish what is queued and stop; what is posted later runs on its caller.

using System.Collections.Concurrent;

namespace Quire.Writeback;

internal sealed class WritebackWorkers : IDisposable
{
    private readonly ConcurrentQueue<Action> _jobs = new();
    private readonly SemaphoreSlim _queued = new(0);
    private readonly Thread[] _threads;
    private volatile bool _stopping;

    /// <summary>
    /// 16: the most threads a set has. Each blocks on one write, so more threads are more writes
    /// at the device only where no ring submits them (a network store, a kernel without
    /// io_uring); 16 blocked O_DIRECT writes reached 45 K random 4 KiB writes/s here, and each
    /// thread is a stack and a wake-up per write on a machine with few cores.
    /// </summary>
    public const int MaxThreads = 16;

    /// <param name="count">The threads wanted; at most <see cref="MaxThreads"/> are started.</param>
    /// <param name="name">The threads' name, each followed by its number.</param>
    public WritebackWorkers(int count, string name)
    {
        _threads = new Thread[Math.Clamp(count, 1, MaxThreads)];
        for (int i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"{name}-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>The threads of the set: the most jobs that run at once.</summary>
    public int Count => _threads.Length;

    /// <summary>
    /// Runs <paramref name="job"/> on a worker without waiting for it; the job reports its own end
    /// and must not throw (its caller learns of a failure its own way). After Dispose it runs here.
    /// </summary>
    public void Post(Action job)
    {
        if (_stopping)
        {
            job();
            return;
        }

        _jobs.Enqueue(job);
        _queued.Release();
        if (_stopping)
        {
            // The workers may have stopped before they saw it: whoever dequeues a job runs it.
            while (_jobs.TryDequeue(out Action? left))
            {
                left();
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> for every item on the workers and waits for all of them.</summary>
    public void RunAll<T>(IReadOnlyList<T> items, Action<T> action) => RunAll(items.Count, i => action(items[i]));

    /// <summary>
    /// Runs <paramref name="action"/>(0 .. <paramref name="count"/> - 1), the first on the calling
    /// thread and the others on the workers, and returns when all have ended. A job's exception is
    /// a bug (writes report store failures through their outcomes): it is rethrown here, after the
    /// whole batch ended.
    /// </summary>
    public void RunAll(int count, Action<int> action)
    {
        if (count <= 0)
        {
            return;
        }

        using var batch = new Batch(action, count);
        for (int i = 1; i < count; i++)
        {
            int index = i;
            Post(() => batch.Run(index));
        }

        batch.Run(0);
        batch.WaitAll();
        if (batch.Failure is { } failure)
        {
            // Reported on the caller's thread, which keeps it for the next flush.
            throw new InvalidOperationException("A writeback job failed.", failure);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _queued.Release(_threads.Length);
        foreach (Thread thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(30));
        }

        // A job posted while the workers were stopping, after they looked, runs here.
        while (_jobs.TryDequeue(out Action? job))
        {
            job();
        }
    }

    private void Work()
    {
        while (true)
        {
            _queued.Wait();
            if (_jobs.TryDequeue(out Action? job))
            {
                job();
            }
            else if (_stopping)
            {
                return;
            }
        }
    }

    /// <summary>One caller's jobs: how many have not ended, the first failure, and the event the last one sets.</summary>
    private sealed class Batch(Action<int> action, int count) : IDisposable
    {
        private readonly ManualResetEventSlim _done = new();
        private int _remaining = count; // (A) jobs not ended
        private Exception? _failure; // (A) the first job's exception

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
            finally
            {
                if (Interlocked.Decrement(ref _remaining) == 0)
                {
                    _done.Set();
                }
            }
        }

        public void WaitAll() => _done.Wait();

        public void Dispose() => _done.Dispose();
    }
}
