// QuireCounters: what a page cache's write-side counters did over one phase of a workload, as the
// difference of two PageCacheStatistics snapshots taken around the phase.

namespace Quire.ClientBenchmarks;

internal sealed record QuireCounters
{
    /// <summary>Durable flushes the cache made (each ends in an fdatasync of one file).</summary>
    public long DurableFlushes { get; init; }

    /// <summary>Pages the cache wrote to its backing stores.</summary>
    public long PagesWritten { get; init; }

    /// <summary>Write calls the cache issued (a cluster of adjacent pages is one call).</summary>
    public long WriteIos { get; init; }

    /// <summary>Pages the cache read from its backing stores.</summary>
    public long PagesRead { get; init; }

    /// <summary>How many times a writer was paused by the dirty throttle.</summary>
    public long ThrottlePauses { get; init; }

    /// <summary>The total time writers spent paused by the dirty throttle.</summary>
    public TimeSpan ThrottleTime { get; init; }

    /// <summary>Page reads that found the page resident, and those that did not.</summary>
    public long Hits { get; init; }

    public long Misses { get; init; }

    public static QuireCounters Between(PageCacheStatistics before, PageCacheStatistics after) => new()
    {
        DurableFlushes = after.DurableFlushes - before.DurableFlushes,
        PagesWritten = after.PagesWritten - before.PagesWritten,
        WriteIos = after.WriteIos - before.WriteIos,
        PagesRead = after.PagesRead - before.PagesRead,
        ThrottlePauses = after.ThrottlePauses - before.ThrottlePauses,
        ThrottleTime = after.ThrottleTime - before.ThrottleTime,
        Hits = after.Hits - before.Hits,
        Misses = after.Misses - before.Misses,
    };
}
