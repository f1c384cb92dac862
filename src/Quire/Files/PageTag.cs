namespace Quire.Files;

/// <summary>
/// Per-page marks a page index keeps, so that the pages in a state can be found in page order
/// without scanning every resident page (Linux's page cache tags).
/// </summary>
internal enum PageTag
{
    /// <summary>The page has dirty sectors.</summary>
    Dirty = 0,

    /// <summary>A write of the page to the store is in flight.</summary>
    Writeback = 1,

    /// <summary>The page was written to the store and awaits the store's durable flush.</summary>
    Unsynced = 2,
}
