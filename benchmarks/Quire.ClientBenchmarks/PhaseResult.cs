// PhaseResult: one timed phase of one engine's run: how long it took, how many client operations
// it did, and (for a Quire engine) what the cache's counters did meanwhile.

namespace Quire.ClientBenchmarks;

internal sealed record PhaseResult(string Phase, TimeSpan Elapsed, long Operations, QuireCounters? Counters)
{
    /// <summary>Client operations per second.</summary>
    public double OperationsPerSecond => Operations / Elapsed.TotalSeconds;

    /// <summary>The share of the phase's wall time writers spent paused by Quire's dirty throttle (0 for other engines).</summary>
    public double ThrottleShare => Counters is null ? 0 : Counters.ThrottleTime / Elapsed;
}
