namespace Quire;

/// <summary>
/// Thrown when one of the cache's always-on internal checks fails: a state that, had the cache
/// gone on, could have lost or corrupted data. The cache latches as failed and issues no further
/// writes to any backing store; dispose it and report the message, which names what was at stake.
/// </summary>
public sealed class PageCacheInvariantException : Exception
{
    /// <summary>Creates the exception with a message that names the violated invariant.</summary>
    public PageCacheInvariantException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    public PageCacheInvariantException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
