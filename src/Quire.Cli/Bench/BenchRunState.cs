// BenchRunState: what the workers of one engine's run share with the runner's sampling thread:
// the operation budget, the data file's next sequential chunk, the counts so far, why the run
// stops, and the first failure. A new one per run, so nothing carries from one engine to the next.
//
// Locking: every mutable field is atomic (A): workers update them concurrently and the sampling
// thread reads them while they run. _stoppedBy and _failure are set once (first writer wins).

using System.Runtime.ExceptionServices;

namespace Quire.Cli.Bench;

internal sealed class BenchRunState(long? operationBudget, long chunkCount)
{
    private long _nextChunk; // (A) the data file's next sequential chunk
    private long _operationsClaimed; // (A)
    private long _operationsDone; // (A)
    private long _bytesDone; // (A)
    private long _backgroundBytes; // (A)
    private long _checkpointBytes; // (A) bytes the checkpoint workload wrote, to place its flushes
    private string? _stoppedBy; // (A) set once: the reason the run ends
    private ExceptionDispatchInfo? _failure; // (A) set once: the first worker failure

    /// <summary>Counted operations completed.</summary>
    public long Operations => Volatile.Read(ref _operationsDone);

    /// <summary>Bytes the counted operations moved.</summary>
    public long Bytes => Volatile.Read(ref _bytesDone);

    /// <summary>Bytes moved by workers whose operations are not counted.</summary>
    public long BackgroundBytes => Volatile.Read(ref _backgroundBytes);

    /// <summary>The fraction of the data file's sequential chunks handed out.</summary>
    public double ChunkFraction => Math.Min(1, (double)Volatile.Read(ref _nextChunk) / chunkCount);

    /// <summary>Why the run stops, or null while it runs.</summary>
    public string? StoppedBy => Volatile.Read(ref _stoppedBy);

    public bool Stopping => StoppedBy is not null;

    /// <summary>Ends the run for <paramref name="reason"/>, unless it already ends for another.</summary>
    public void Stop(string reason) => Interlocked.CompareExchange(ref _stoppedBy, reason, null);

    /// <summary>Takes one operation from the budget; false (and the run stops) when it is spent.</summary>
    public bool ClaimOperation()
    {
        if (operationBudget is { } budget && Interlocked.Increment(ref _operationsClaimed) > budget)
        {
            Stop(BenchRunner.StoppedByOperationCount);
            return false;
        }

        return true;
    }

    /// <summary>The next sequential chunk's index in the data file, or -1 past its end.</summary>
    public long NextChunk()
    {
        long chunk = Interlocked.Increment(ref _nextChunk) - 1;
        return chunk < chunkCount ? chunk : -1;
    }

    /// <summary>The data file's next sequential chunk, from its first again past its last: never runs out.</summary>
    public long NextChunkAround() => (Interlocked.Increment(ref _nextChunk) - 1) % chunkCount;

    public void AddCounted(long byteCount)
    {
        Interlocked.Increment(ref _operationsDone);
        Interlocked.Add(ref _bytesDone, byteCount);
    }

    /// <summary>Counts <paramref name="byteCount"/> written; true when they crossed a multiple of <paramref name="intervalBytes"/>, so a flush is due.</summary>
    public bool AddCheckpointBytes(long byteCount, long intervalBytes)
    {
        long after = Interlocked.Add(ref _checkpointBytes, byteCount);
        return after / intervalBytes != (after - byteCount) / intervalBytes;
    }

    public void AddBackground(long byteCount) => Interlocked.Add(ref _backgroundBytes, byteCount);

    /// <summary>Records a worker's failure (the first one wins) and stops the run.</summary>
    public void Fail(Exception exception)
    {
        Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(exception), null);
        Stop("failure");
    }

    /// <summary>Rethrows the first worker failure, if any, with its original stack.</summary>
    public void ThrowIfFailed() => Volatile.Read(ref _failure)?.Throw();
}
