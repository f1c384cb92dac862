// OsEngine: the baseline most programs use: buffered RandomAccess calls through the OS page cache,
// fsync (RandomAccess.FlushToDisk) where the workload flushes.
//
// Locking: stateless but for atomic counters.

namespace Quire.Cli.Bench.Engines;

internal sealed class OsEngine : BenchEngine
{
    public const string EngineName = "os";

    private readonly IssuedCounter _issued = new(); // (I), its counts (A)

    public override string Name => EngineName;

    public override string DeviceBytesSource => "/proc/self/io";

    public override string WriteIosSource => "write calls issued (the kernel may merge them)";

    public override string DirtySource => "/proc/meminfo Dirty + Writeback (system-wide)";

    public override BenchFile Open(string path, long length) =>
        new HandleFile(File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite), _issued);

    public override EngineSnapshot Snapshot()
    {
        (long read, long written) = ProcStats.ReadProcessIO();
        return new EngineSnapshot
        {
            DeviceReadBytes = read,
            DeviceWrittenBytes = written,
            WriteIos = _issued.WriteCalls,
            DirtyBytes = ProcStats.HasMemInfo ? ProcStats.ReadSystemDirtyBytes() : null,
        };
    }
}
