// BenchProgress: what the runner reports after each 100 ms sample of a run: the fraction done
// (0 to 1, by time, operations or file position, whichever is furthest), whether this is the last
// report of the run, the sample and the engine's snapshot it came from.
//
// Locking: immutable.

using Quire.Cli.Bench.Engines;

namespace Quire.Cli.Bench;

internal sealed record BenchProgress(double Fraction, bool Finished, BenchSample Sample, EngineSnapshot Snapshot);
