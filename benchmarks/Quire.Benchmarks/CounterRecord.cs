// CounterRecord: one line of quire-counters.jsonl: what the cache's counters did over one
// benchmark case, as the difference of two PageCacheStatistics snapshots or a sum of such
// differences. CounterLog writes it; the report reads it.

namespace Quire.Benchmarks;

public sealed record CounterRecord
{
    public required string Benchmark { get; init; }

    public required string Parameters { get; init; }

    public long Invocations { get; init; }

    public long Hits { get; init; }

    public long Misses { get; init; }

    public long ReadIos { get; init; }

    public long PagesRead { get; init; }

    public long ReadAheadPages { get; init; }

    public long WriteIos { get; init; }

    public long BytesWritten { get; init; }

    public long DurableFlushes { get; init; }

    public long Evictions { get; init; }

    public long Promotions { get; init; }

    public long ThrottlePauses { get; init; }

    /// <summary>The total time writers spent in throttle pauses, in TimeSpan ticks.</summary>
    public long ThrottleTicks { get; init; }

    /// <summary>The most bytes not yet durable (dirty, under writeback, or written and not flushed) seen in any round.</summary>
    public long PeakNotDurableBytes { get; init; }

    /// <summary>The cache's dirty limit, in bytes, when the case ended.</summary>
    public long DirtyLimitBytes { get; init; }

    /// <summary>Rounds after which the cache still had the file open though its last handle had closed.</summary>
    public long FileLeftOpenRounds { get; init; }

    /// <summary>What changed from <paramref name="before"/> to <paramref name="after"/>.</summary>
    /// <param name="benchmark">Type.Method, as the report names the case.</param>
    /// <param name="parameters">The case's parameters as BenchmarkDotNet prints them (Name=value), or empty.</param>
    /// <param name="invocations">How many times the measured method ran between the snapshots.</param>
    /// <param name="before">The statistics when the measured part began.</param>
    /// <param name="after">The statistics when it ended.</param>
    public static CounterRecord Between(string benchmark, string parameters, long invocations, PageCacheStatistics before, PageCacheStatistics after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return new CounterRecord
        {
            Benchmark = benchmark,
            Parameters = parameters,
            Invocations = invocations,
            Hits = after.Hits - before.Hits,
            Misses = after.Misses - before.Misses,
            ReadIos = after.ReadIos - before.ReadIos,
            PagesRead = after.PagesRead - before.PagesRead,
            ReadAheadPages = after.ReadAheadPages - before.ReadAheadPages,
            WriteIos = after.WriteIos - before.WriteIos,
            BytesWritten = after.BytesWritten - before.BytesWritten,
            DurableFlushes = after.DurableFlushes - before.DurableFlushes,
            Evictions = after.Evictions - before.Evictions,
            Promotions = after.Promotions - before.Promotions,
            ThrottlePauses = after.ThrottlePauses - before.ThrottlePauses,
            ThrottleTicks = (after.ThrottleTime - before.ThrottleTime).Ticks,
            DirtyLimitBytes = (long)after.DirtyLimitPages * after.PageSize,
        };
    }

    /// <summary>The sum of this record's counts and <paramref name="other"/>'s, under this record's names.</summary>
    public CounterRecord Plus(CounterRecord other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with
        {
            Invocations = Invocations + other.Invocations,
            Hits = Hits + other.Hits,
            Misses = Misses + other.Misses,
            ReadIos = ReadIos + other.ReadIos,
            PagesRead = PagesRead + other.PagesRead,
            ReadAheadPages = ReadAheadPages + other.ReadAheadPages,
            WriteIos = WriteIos + other.WriteIos,
            BytesWritten = BytesWritten + other.BytesWritten,
            DurableFlushes = DurableFlushes + other.DurableFlushes,
            Evictions = Evictions + other.Evictions,
            Promotions = Promotions + other.Promotions,
            ThrottlePauses = ThrottlePauses + other.ThrottlePauses,
            ThrottleTicks = ThrottleTicks + other.ThrottleTicks,
            PeakNotDurableBytes = Math.Max(PeakNotDurableBytes, other.PeakNotDurableBytes),
            DirtyLimitBytes = Math.Max(DirtyLimitBytes, other.DirtyLimitBytes),
            FileLeftOpenRounds = FileLeftOpenRounds + other.FileLeftOpenRounds,
        };
    }

    /// <summary>Hits / (hits + misses); misses count cluster reads, so read-ahead pages count as hits when used.</summary>
    public double HitRatio => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);

    /// <summary>The mean throttle pause (ThrottleTime / ThrottlePauses over the case), or zero.</summary>
    public TimeSpan MeanThrottlePause => ThrottlePauses == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(ThrottleTicks / ThrottlePauses);

    /// <summary>The average size of a write to the store (PageCacheStatistics.AverageWriteBytes over the case).</summary>
    public double AverageWriteBytes => WriteIos == 0 ? 0 : (double)BytesWritten / WriteIos;
}
