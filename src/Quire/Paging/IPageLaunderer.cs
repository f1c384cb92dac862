namespace Quire.Paging;

/// <summary>
/// Cleans dirty pages the reclaim scan wants to reuse: writes them back and makes them durable,
/// so they become reclaimable. Implemented by the writeback layer, which sits above paging;
/// this interface is the signal that lets the allocator ask without depending on it.
/// </summary>
internal interface IPageLaunderer
{
    /// <summary>
    /// Writes back the pages held by <paramref name="frames"/> (a racy selection: frames may have
    /// changed since) and makes them durable. Returns the error of a failed write or flush, or null.
    /// </summary>
    Exception? Launder(ReadOnlySpan<int> frames);
}
