// QuireRoundCounters: sums a cache's counter deltas over the rounds of one DiskRounds contender
// (warm-up rounds included) and logs the sum with CounterLog after its last round. Only the
// contender's own rounds are counted: the other contenders' rounds run between them. A contender
// that closes its file's last handle in the round also has checked that the cache released the
// file, as closing the last handle promises; rounds where it did not are counted and reported.
// During each round a sampler thread reads the statistics every 2 ms and keeps the peak
// of the not-durable pages (dirty, under writeback, written but not flushed), the figure the
// dirty limit bounds.
//
// Locking: DiskRounds calls it from one thread, between rounds; the sampler only writes _peak.

namespace Quire.Benchmarks;

internal sealed class QuireRoundCounters(PageCache cache, string benchmark, string parameters, int totalRounds)
{
    private static readonly TimeSpan s_samplePeriod = TimeSpan.FromMilliseconds(2);

    private PageCacheStatistics? _before;
    private CounterRecord? _sum;
    private Thread? _sampler;
    private volatile bool _sampling;
    private long _peakNotDurablePages;

    public void BeginRound()
    {
        _before = cache.GetStatistics();
        _peakNotDurablePages = 0;
        _sampling = true;
        _sampler = new Thread(Sample) { IsBackground = true, Name = "counter sampler" };
        _sampler.Start();
    }

    /// <summary>Ends a round; <paramref name="lastHandleClosed"/> says the round closed the only handle of the only file.</summary>
    public void EndRound(bool lastHandleClosed)
    {
        _sampling = false;
        _sampler!.Join();
        PageCacheStatistics after = cache.GetStatistics();
        CounterRecord round = CounterRecord.Between(benchmark, parameters, 1, _before!, after) with
        {
            PeakNotDurableBytes = Interlocked.Read(ref _peakNotDurablePages) * after.PageSize,
        };
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

    private void Sample()
    {
        while (_sampling)
        {
            PageCacheStatistics now = cache.GetStatistics();
            long notDurable = (long)now.DirtyPages + now.WritebackPages + now.UnsyncedPages;
            if (notDurable > _peakNotDurablePages)
            {
                Interlocked.Exchange(ref _peakNotDurablePages, notDurable);
            }

            Thread.Sleep(s_samplePeriod);
        }
    }
}
