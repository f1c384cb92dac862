// QuireRoundCounters: sums a cache's counter deltas over the rounds of one DiskRounds contender
// (warm-up rounds included) and logs the sum with CounterLog after its last round. Only the
// contender's own rounds are counted: the other contenders' rounds run between them. A contender
// that closes its file's last handle in the round also has checked that the cache released the
// file, as closing the last handle promises; rounds where it did not are counted and reported.
//
// Locking: DiskRounds calls it from one thread, between rounds.

namespace Quire.Benchmarks;

internal sealed class QuireRoundCounters(PageCache cache, string benchmark, string parameters, int totalRounds)
{
    private PageCacheStatistics? _before;
    private CounterRecord? _sum;

    public void BeginRound() => _before = cache.GetStatistics();

    /// <summary>Ends a round; <paramref name="lastHandleClosed"/> says the round closed the only handle of the only file.</summary>
    public void EndRound(bool lastHandleClosed)
    {
        PageCacheStatistics after = cache.GetStatistics();
        CounterRecord round = CounterRecord.Between(benchmark, parameters, 1, _before!, after);
        if (lastHandleClosed && after.OpenFiles != 0)
        {
            Console.WriteLine($"{benchmark} {parameters}: the cache kept the file open after its last handle closed ({after.DirtyPages} dirty, {after.UnsyncedPages} unsynced, {after.WritebackPages} under writeback, {after.PinnedFrames} pinned frames).");
            round = round with { FileLeftOpenRounds = 1 };
        }

        _sum = _sum is null ? round : _sum.Plus(round);
        if (_sum.Invocations == totalRounds)
        {
            CounterLog.Append(_sum);
        }
    }
}
