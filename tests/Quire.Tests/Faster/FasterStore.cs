// FasterStore: a FASTER key-value store of longs over a QuireDevice, small enough that its log
// spills to the device within a few thousand records, with the reads, writes and checkpoints the
// Faster tests share: each read that goes pending is completed and checked like one that did not.

using FASTER.core;
using Quire.Faster;

namespace Quire.Tests.Faster;

internal sealed class FasterStore : IDisposable
{
    // 4 KiB log pages, 4 of them in memory: FASTER's smallest practical hybrid log, so records
    // reach the device after a few hundred upserts.
    private const int PageSizeBits = 12;
    private const int MemorySizeBits = 14;

    // 64 KiB segments: a few thousand records fill one, so tests see several segment files.
    public const int SegmentSizeBits = 16;

    private readonly ClientSession<long, long, long, long, Empty, SimpleFunctions<long, long>> _session;

    public FasterStore(QuireDevice device, string checkpointDirectory, bool recover = false)
    {
        Device = device;
        Store = new FasterKV<long, long>(
            1L << 14,
            new LogSettings { LogDevice = device, PageSizeBits = PageSizeBits, MemorySizeBits = MemorySizeBits, SegmentSizeBits = SegmentSizeBits },
            new CheckpointSettings { CheckpointDir = checkpointDirectory });
        if (recover)
        {
            Store.Recover();
        }

        _session = Store.For(new SimpleFunctions<long, long>()).NewSession<SimpleFunctions<long, long>>();
    }

    public QuireDevice Device { get; }

    public FasterKV<long, long> Store { get; }

    public void Upsert(long key, long value) => _session.Upsert(key, value);

    public void Delete(long key) => _session.Delete(key);

    /// <summary>Reads <paramref name="key"/>: its value, or null when the store does not have it; a pending read is completed first.</summary>
    public long? Read(long key)
    {
        long output = 0;
        Status status = _session.Read(ref key, ref output);
        if (status.IsPending)
        {
            Assert.True(_session.CompletePendingWithOutputs(out CompletedOutputIterator<long, long, long, long, Empty> outputs, wait: true), "pending reads did not complete");
            using (outputs)
            {
                Assert.True(outputs.Next(), $"no completed read for key {key}");
                status = outputs.Current.Status;
                output = outputs.Current.Output;
                Assert.Equal(key, outputs.Current.Key);
            }
        }

        Assert.False(status.IsFaulted, $"the read of key {key} faulted: {status}");
        return status.Found ? output : null;
    }

    public void TakeCheckpoint()
    {
        _session.CompletePending(wait: true);
        (bool success, Guid _) = Store.TakeHybridLogCheckpointAsync(CheckpointType.FoldOver).AsTask().GetAwaiter().GetResult();
        Assert.True(success, "the checkpoint failed");
    }

    public void Dispose()
    {
        _session.Dispose();
        Store.Dispose();
    }
}
