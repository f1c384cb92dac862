// DirectEngine: no cache at all: O_DIRECT reads and writes straight to the device (the buffers and
// offsets the runner gives are page-aligned, as O_DIRECT needs), fsync where the workload flushes
// (to flush the device's own write cache, as the other engines' flushes do).
//
// Locking: stateless but for atomic counters.

using Microsoft.Win32.SafeHandles;

namespace Quire.Cli.Bench.Engines;

internal sealed class DirectEngine : BenchEngine
{
    public const string EngineName = "direct";

    private readonly IssuedCounter _issued = new(); // (I), its counts (A)

    public override string Name => EngineName;

    public override string DeviceBytesSource => "calls issued (each is a device I/O)";

    public override string WriteIosSource => "calls issued (each is a device I/O)";

    public override string DirtySource => "none: no cache";

    public override BenchFile Open(string path, long length) => new DirectFile(NativeMethods.OpenDirect(path), _issued);

    public override EngineSnapshot Snapshot() => new()
    {
        DeviceReadBytes = _issued.ReadBytes,
        DeviceWrittenBytes = _issued.WriteBytes,
        WriteIos = _issued.WriteCalls,
        DirtyBytes = 0,
    };

    private sealed class DirectFile(SafeFileHandle handle, IssuedCounter issued) : BenchFile
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
