// RbdTarget: where `quire bench --store rbd:POOL/IMAGE` runs: the pool, the stem of the images'
// names, and how to reach the cluster. The bench makes its own images, IMAGE-data and
// IMAGE-second, and removes them afterwards.
//
// Locking: immutable.

using Quire.Ceph;

namespace Quire.Cli.Bench.Storage;

internal sealed record RbdTarget
{
    public const string Prefix = "rbd:";

    public required string PoolName { get; init; }

    public required string ImageStem { get; init; }

    /// <summary>The cluster's ceph.conf, or null for librados' default search (CEPH_CONF, /etc/ceph/ceph.conf).</summary>
    public string? ConfigurationFile { get; init; }

    public string ClientId { get; init; } = "admin";

    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>RbdImageOptions.MaxWritesInFlight for the quire engine's store.</summary>
    public int MaxWritesInFlight { get; init; } = new RbdImageOptions().MaxWritesInFlight;

    /// <summary>The store as given: rbd:POOL/IMAGE.</summary>
    public string Store => $"{Prefix}{PoolName}/{ImageStem}";

    /// <summary>Parses rbd:POOL/IMAGE; false with the reason when it is not one.</summary>
    public static bool TryParse(string? value, out string poolName, out string imageStem, out string reason)
    {
        poolName = imageStem = reason = string.Empty;
        if (value is null || !value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            reason = "it must start with rbd:";
            return false;
        }

        string[] parts = value[Prefix.Length..].Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            reason = "it must be rbd:POOL/IMAGE with a non-empty pool and image";
            return false;
        }

        // '@' names a snapshot in rbd's syntax; whitespace and control characters are not names.
        if (value.Any(c => c == '@' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            reason = "pool and image names hold no '@', white space or control characters";
            return false;
        }

        poolName = parts[0];
        imageStem = parts[1];
        return true;
    }

    /// <summary>A connection to the cluster; with <paramref name="librbdCacheBytes"/> above 0, with librbd's own cache on.</summary>
    public CephCluster Connect(long librbdCacheBytes = 0) => CephCluster.Connect(new CephConnectionOptions
    {
        ConfigurationFile = ConfigurationFile,
        ClientId = ClientId,
        OperationTimeout = OperationTimeout,
        ConnectTimeout = OperationTimeout,
        LibrbdCacheBytes = librbdCacheBytes,
    });
}
