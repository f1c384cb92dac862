// PhaseClock: times the phases of one run one after another and, for a Quire engine, takes the
// cache's statistics at each phase boundary, so every phase gets its own counter deltas.
//
// Locking: none; used by the one thread that runs the workload.

using System.Diagnostics;

namespace Quire.ClientBenchmarks;

internal sealed class PhaseClock(Func<PageCacheStatistics>? statistics)
{
    private readonly List<PhaseResult> _phases = [];
    private PageCacheStatistics? _before;
    private long _start;

    public IReadOnlyList<PhaseResult> Phases => _phases;

    public void Start()
    {
        _before = statistics?.Invoke();
        _start = Stopwatch.GetTimestamp();
    }

    /// <summary>Ends the phase started last and starts the next one at once.</summary>
    public void Lap(string phase, long operations)
    {
        TimeSpan elapsed = Stopwatch.GetElapsedTime(_start);
        PageCacheStatistics? after = statistics?.Invoke();
        QuireCounters? counters = after is null ? null : QuireCounters.Between(_before!, after);
        _phases.Add(new PhaseResult(phase, elapsed, operations, counters));
        _before = after;
        _start = Stopwatch.GetTimestamp();
    }
}
