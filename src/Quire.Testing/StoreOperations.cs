namespace Quire.Testing;

/// <summary>The backing-store calls a <see cref="FaultRule"/> can apply to; combine them with <c>|</c>.</summary>
[Flags]
public enum StoreOperations
{
    /// <summary>No call.</summary>
    None = 0,

    /// <summary><see cref="IBackingStore.Read"/> and <see cref="IBackingStore.ReadAsync"/>.</summary>
    Read = 1,

    /// <summary><see cref="IBackingStore.Write"/>.</summary>
    Write = 2,

    /// <summary><see cref="IBackingStore.Flush"/>, the durable flush (fsync).</summary>
    Flush = 4,

    /// <summary><see cref="IBackingStore.SetLength"/>.</summary>
    SetLength = 8,

    /// <summary>Every call that can fail.</summary>
    All = Read | Write | Flush | SetLength,
}
