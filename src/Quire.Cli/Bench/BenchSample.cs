// BenchSample: the state of one engine's run at one moment, taken every 100 ms: the series behind
// the chart and `quire top`.
//
// Locking: immutable.

namespace Quire.Cli.Bench;

internal sealed record BenchSample(
    double ElapsedSeconds,
    long Operations,
    long Bytes,
    long? DirtyBytes,
    long? ThrottlePauses,
    long? BackgroundThresholdBytes,
    long? DirtyLimitBytes,
    long DeviceWrittenBytes);
