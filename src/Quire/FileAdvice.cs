namespace Quire;

/// <summary>How a program expects to use a range of a file (posix_fadvise's advice).</summary>
public enum FileAdvice
{
    /// <summary>No expectation: read-ahead adapts to the access pattern. The default.</summary>
    Normal,

    /// <summary>The handle reads sequentially: read ahead the largest window from the first miss.</summary>
    Sequential,

    /// <summary>The handle reads at random: never read ahead.</summary>
    Random,

    /// <summary>The range will be needed soon: read its missing pages in the background.</summary>
    WillNeed,

    /// <summary>
    /// The range will not be needed soon: drop its clean pages now and move its other pages to where
    /// the reclaim scan looks first. Dirty data is kept and written back before its frames are reused.
    /// </summary>
    DontNeed,
}
