// PlantedBugs: known bugs the reliability suites must catch (canaries, RELIABILITY H8). Compiled
// into every build but inert: only a test sets PageCacheOptions.PlantedBugs, per cache, so a
// planted bug never leaks into another cache or another test running in parallel.
//
// Locking: immutable (an options value).

namespace Quire.Internal;

[Flags]
internal enum PlantedBugs
{
    None = 0,

    /// <summary>A page whose write failed is treated as written: its data is dropped (ClusterWriter).</summary>
    DropPageAfterFailedWrite = 1,

    /// <summary>An error epoch reported to one handle is not reported to the others (CachedFile).</summary>
    ClearErrorAfterFirstReport = 2,

    /// <summary>Dropping a range evicts pages written but not yet durable (Eviction).</summary>
    EvictUnsyncedPage = 4,

    /// <summary>Write-back writes the whole last page instead of clipping it at end of file (ClusterWriter).</summary>
    SkipEofClipping = 8,
}
