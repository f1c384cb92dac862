// ThrottleCheckBenchmarks: what the dirty throttle costs a writer that dirties one page, where
// writers spend nearly all their time: below the freerun point, where the check is rate-limited
// to a counter update (DirtyThrottle.OnPagesDirtied), and between freerun and the limit with the
// pause too short to take and carried over (the control curve evaluated on every write). Against
// counting one page dirty and clean again in the cache's gauges (the baseline: the accounting
// every write that dirties a page does anyway).

using BenchmarkDotNet.Attributes;
using Quire.Files;
using Quire.Internal;
using Quire.Metrics;
using Quire.Throttling;

namespace Quire.Benchmarks;

[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public class ThrottleCheckBenchmarks
{
    private readonly CacheCounters _counters = new();
    private readonly WritebackCounts _counts = new();
    private readonly HandleAccounting _handle = new();
    private DirtyThrottle? _throttle;
    private FileObject? _file;

    [GlobalSetup(Target = nameof(AccountOneDirtyPage))]
    public void SetUpGauges() => SetUp(0);

    [GlobalSetup(Target = nameof(CheckBelowFreerun))]
    public void SetUpBelowFreerun() => SetUp(0);

    [GlobalSetup(Target = nameof(CheckAboveFreerunPauseCarriedOver))]
    public void SetUpAboveFreerun() => SetUp(-1);

    [Benchmark(Baseline = true)]
    public void AccountOneDirtyPage()
    {
        _counts.AddDirtyPages(1);
        _counts.AddDirtyPages(-1);
    }

    [Benchmark]
    public void CheckBelowFreerun() => _throttle!.OnPagesDirtied(_file!, _handle, 1);

    [Benchmark]
    public void CheckAboveFreerunPauseCarriedOver()
    {
        _throttle!.OnPagesDirtied(_file!, _handle, 1);
        _handle.PagesSinceThrottleCheck = 0; // keep the carried-over pause short: measure the check, not a sleep
    }

    /// <summary>A throttle over one file with <paramref name="pagesToWrite"/> pages to write (-1: just above freerun).</summary>
    private void SetUp(int pagesToWrite)
    {
        var options = new PageCacheOptions { MemoryLimitBytes = 64L << 20 };
        _file = new FileObject(1, "throttle-check", new MemoryBackingStore(), isWritable: true, size: 0);
        _throttle = new DirtyThrottle(_counters, _counts, new CacheClock(TimeProvider.System), new WakeSignal(), new ProgressSignal(), new CacheLimits(options), new Canaries(options));
        int pages = pagesToWrite < 0 ? _throttle.FreerunPages + 1 : pagesToWrite;
        _counts.AddDirtyPages(pages - _counts.DirtyPages);
        _handle.PagesSinceThrottleCheck = 0;
    }

}
