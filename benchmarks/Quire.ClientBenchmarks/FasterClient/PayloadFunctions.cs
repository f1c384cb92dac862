// PayloadFunctions: FASTER's callbacks for the benchmark's store: reads copy the payload, and a
// read that completes after going pending is checked and counted here, as one completed inline is
// checked and counted by the workload.
//
// Locking: none; the store's one session completes its reads on the workload's thread
// (CompletePending), so the counts need no synchronisation.

using FASTER.core;

namespace Quire.ClientBenchmarks.FasterClient;

internal sealed class PayloadFunctions : SimpleFunctions<long, Payload>
{
    /// <summary>Reads that completed after going pending and found their record.</summary>
    public long PendingFound { get; private set; }

    /// <summary>Reads that completed after going pending.</summary>
    public long PendingCompleted { get; private set; }

    public override void ReadCompletionCallback(ref long key, ref Payload input, ref Payload output, Empty ctx, Status status, RecordMetadata recordMetadata)
    {
        PendingCompleted++;
        if (status.Found)
        {
            FasterWorkload.Check(key, output);
            PendingFound++;
        }
    }
}
