// DirectEngine: no cache at all: O_DIRECT reads and writes straight to the device (the buffers and
// offsets the runner gives are page-aligned, as O_DIRECT needs), fsync where the workload flushes
// (to flush the device's own write cache, as the other engines' flushes do).
//
// Locking: stateless but for atomic counters.

namespace Quire.Cli.Bench.Engines;

internal sealed class DirectEngine : BenchEngine
{
    public const string EngineName = "direct";

    private readonly IssuedCounter _issued = new(); // (I), its counts (A)

    public override string Name => EngineName;

    public override string DeviceBytesSource => "calls issued (each is a device I/O)";

    public override string WriteIosSource => "calls issued (each is a device I/O)";

    public override string DirtySource => "none: no cache";

    public override BenchFile Open(string path, long length) => new HandleFile(NativeMethods.OpenDirect(path), _issued);

    public override EngineSnapshot Snapshot() => new()
    {
        DeviceReadBytes = _issued.ReadBytes,
        DeviceWrittenBytes = _issued.WriteBytes,
        WriteIos = _issued.WriteCalls,
        DirtyBytes = 0,
    };
}
