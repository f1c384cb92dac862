// OsEngine: the baseline most programs use: buffered RandomAccess calls through the OS page cache,
// fsync (RandomAccess.FlushToDisk) where the workload flushes.
//
// Locking: stateless but for atomic counters.

using Microsoft.Win32.SafeHandles;

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
        new OsFile(File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite), _issued);

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

    private sealed class OsFile(SafeFileHandle handle, IssuedCounter issued) : BenchFile
    {
        public override void Read(long fileOffset, Span<byte> buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                int read = RandomAccess.Read(handle, buffer[done..], fileOffset + done);
                if (read == 0)
                {
                    throw new EndOfStreamException($"The file ended at {fileOffset + done} bytes, inside the range the bench reads.");
                }

                done += read;
            }

            issued.AddRead(done);
        }

        public override void Write(long fileOffset, ReadOnlySpan<byte> buffer)
        {
            RandomAccess.Write(handle, buffer, fileOffset);
            issued.AddWrite(buffer.Length);
        }

        public override void Flush() => RandomAccess.FlushToDisk(handle);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                handle.Dispose();
            }
        }
    }
}
