namespace Quire.Testing;

/// <summary>What a <see cref="CrashSimulatingBackingStore"/> does with the writes not yet durable when a durable flush fails.</summary>
public enum FailedFlushBehavior
{
    /// <summary>Keeps them, to be made durable by a later flush (the BSDs: the buffers stay dirty).</summary>
    KeepWrites,

    /// <summary>
    /// Forgets their data: those bytes revert to the last durable image (sizes are kept), as Linux
    /// drops the pages whose write-back failed from its page cache, so a retried fsync succeeds
    /// without writing them.
    /// </summary>
    DropWrites,
}
