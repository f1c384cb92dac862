// RbdBenchStorage: the bench's files as RBD images of one pool, IMAGE-data and IMAGE-second,
// created (thin) by the bench and removed afterwards, through a connection with librbd's cache off.
// There is no OS page cache to empty: each engine's run opens its images afresh, and an engine's
// cache (Quire's pool, librbd's cache) is new for each run.
//
// Locking: the runner's thread only.

using Quire.Ceph;
using Quire.Cli.Bench.Engines;

namespace Quire.Cli.Bench.Storage;

internal sealed class RbdBenchStorage(RbdTarget target) : BenchStorage
{
    private CephCluster? _cluster; // the runner's thread

    public RbdTarget Target => target;

    public override string DataName => target.ImageStem + "-data";

    public override string SecondName => target.ImageStem + "-second";

    public override string BaselineEngine => RbdEngine.EngineName;

    /// <summary>The storage's connection (librbd's cache off), made by Prepare.</summary>
    public CephCluster Cluster => _cluster ?? throw new InvalidOperationException("The RBD storage is not prepared.");

    public override string Describe() =>
        $"Store: {target.Store} through {target.ConfigurationFile ?? "the default ceph.conf"} as client.{target.ClientId}; images {DataName} and {SecondName} of pool {target.PoolName}, made by the bench and removed afterwards.";

    /// <summary>What a cold start means over RBD.</summary>
    public const string ColdStartDescription = "each engine opens the images afresh with an empty cache (no OS page cache is involved)";

    public override string DescribeColdStart(ColdCacheMethod method) => ColdStartDescription;

    public override void Prepare(long byteCount) => _cluster ??= target.Connect();

    public override void CreateBlank(string name, long length)
    {
        Delete(name);
        Cluster.CreateImage(target.PoolName, name, length);
    }

    public override void DropCaches(IEnumerable<string> names, ColdCacheMethod method)
    {
    }

    public override void Delete(string name)
    {
        if (_cluster is null)
        {
            return; // never connected: nothing was made
        }

        try
        {
            Cluster.RemoveImage(target.PoolName, name);
        }
        catch (FileNotFoundException)
        {
            // Not there: nothing to delete.
        }
    }

    public override void Cleanup()
    {
    }

    protected override BenchStorageWriter OpenWriter(string name) => new ImageWriter(Cluster.OpenRawImage(target.PoolName, name));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cluster?.Dispose();
        }

        base.Dispose(disposing);
    }

    private sealed class ImageWriter(RbdImage image) : BenchStorageWriter
    {
        public override void Write(long fileOffset, ReadOnlySpan<byte> buffer) => image.Write(fileOffset, buffer);

        public override void Flush() => image.Flush();

        public override void Dispose() => image.Dispose();
    }
}
