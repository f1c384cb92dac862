// Contender: one engine of a workload, as the rounds see it: a name and a run that does the whole
// workload in an empty directory it is given and returns what it measured.

namespace Quire.ClientBenchmarks;

internal sealed record Contender(string Name, Func<string, EngineRun> Run);
