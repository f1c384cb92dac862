// EngineRun: one engine's run of a workload in one round: its phases in order and the results the
// run produced (counts, checksums), which must be equal for every engine of the same workload.

namespace Quire.ClientBenchmarks;

internal sealed record EngineRun(string Engine, IReadOnlyList<PhaseResult> Phases, IReadOnlyDictionary<string, long> Results)
{
    public PhaseResult Phase(string name) => Phases.Single(phase => phase.Phase == name);
}
