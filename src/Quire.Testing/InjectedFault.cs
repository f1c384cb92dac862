namespace Quire.Testing;

/// <summary>A fault a <see cref="FaultInjectingBackingStore"/> injected: the log entry a failing test prints with its seed.</summary>
/// <param name="Sequence">The store-wide call number (1-based) of the call that failed.</param>
/// <param name="Operation">The kind of call.</param>
/// <param name="FileOffset">The first byte the call touched (0 for flushes; the new length for length changes).</param>
/// <param name="ByteCount">The bytes the call covered (0 for flushes and length changes).</param>
/// <param name="Rule">The rule that fired.</param>
public sealed record InjectedFault(long Sequence, StoreOperations Operation, long FileOffset, long ByteCount, FaultRule Rule)
{
    /// <inheritdoc/>
    public override string ToString() => $"#{Sequence} {Operation} [{FileOffset}, {FileOffset + ByteCount}): {Rule}";
}
