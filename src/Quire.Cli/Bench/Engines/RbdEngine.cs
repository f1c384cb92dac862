// RbdEngine: the baselines over RBD: plain synchronous librbd calls (rbd_read, rbd_write,
// rbd_flush) with no Quire cache, through a connection of the engine's own, either with librbd's
// cache off ("librbd": every call goes to the cluster) or on in writeback mode and sized like the
// Quire pool ("librbd-cache"). The engine's connection is made for its run and shut down after
// it, so librbd's cache starts empty each run.
//
// Locking: stateless but for atomic counters; RbdImage is safe for concurrent calls.

using Quire.Ceph;
using Quire.Cli.Bench.Storage;

namespace Quire.Cli.Bench.Engines;

internal sealed class RbdEngine : BenchEngine
{
    public const string EngineName = "librbd";
    public const string CachedEngineName = "librbd-cache";

    private readonly RbdTarget _target; // (I)
    private readonly CephCluster _cluster; // (I)
    private readonly bool _cached; // (I)
    private readonly IssuedCounter _issued = new(); // (I), its counts (A)

    /// <summary>An engine over <paramref name="target"/>'s pool; with <paramref name="librbdCacheBytes"/> above 0, through librbd's cache of that size.</summary>
    public RbdEngine(RbdTarget target, long librbdCacheBytes)
    {
        _target = target;
        _cached = librbdCacheBytes > 0;
        _cluster = target.Connect(librbdCacheBytes);
    }

    public override string Name => _cached ? CachedEngineName : EngineName;

    public override string DeviceBytesSource => _cached ? "bytes handed to librbd (its cache absorbs some)" : "bytes read and written through librbd";

    public override string WriteIosSource => _cached ? "write calls handed to librbd (its cache merges some)" : "write calls to librbd";

    public override string DirtySource => "n/a: librbd does not say";

    public override BenchFile Open(string path, long length) => new RbdFile(_cluster.OpenRawImage(_target.PoolName, path), _issued);

    public override EngineSnapshot Snapshot() => new()
    {
        DeviceReadBytes = _issued.ReadBytes,
        DeviceWrittenBytes = _issued.WriteBytes,
        WriteIos = _issued.WriteCalls,
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cluster.Dispose();
        }

        base.Dispose(disposing);
    }

    private sealed class RbdFile(RbdImage image, IssuedCounter issued) : BenchFile
    {
        public override void Read(long fileOffset, Span<byte> buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                int read = image.Read(fileOffset + done, buffer[done..]);
                if (read == 0)
                {
                    throw new EndOfStreamException($"'{image.Name}' ended at {fileOffset + done} bytes, inside the range the bench reads.");
                }

                done += read;
            }

            issued.AddRead(done);
        }

        public override void Write(long fileOffset, ReadOnlySpan<byte> buffer)
        {
            image.Write(fileOffset, buffer);
            issued.AddWrite(buffer.Length);
        }

        public override void Flush() => image.Flush();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                image.Dispose();
            }
        }
    }
}
