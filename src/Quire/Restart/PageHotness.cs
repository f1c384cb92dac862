// PageHotness: how hot a saved page was when its resident set was saved, from the queue its frame
// was on and its reference bit: what a reload orders its reads by.
//
// Locking: immutable (an enum).

namespace Quire.Restart;

/// <summary>The hotness of a saved page, coldest first; its value is the byte the saved file stores.</summary>
internal enum PageHotness : byte
{
    /// <summary>On the inactive queue and not used since it came in (read once, or read ahead).</summary>
    Cold = 0,

    /// <summary>On the inactive queue but used again since it came in: it would be promoted at the next reclaim scan.</summary>
    Referenced = 1,

    /// <summary>On the active queue: the hot set.</summary>
    Active = 2,
}
