namespace Quire.Ceph;

/// <summary>How <see cref="CephCluster.Connect"/> reaches a Ceph cluster.</summary>
public sealed class CephConnectionOptions
{
    private readonly string _clientId = "admin";
    private readonly TimeSpan _operationTimeout = TimeSpan.FromSeconds(30);
    private readonly TimeSpan _connectTimeout = TimeSpan.FromSeconds(30);
    private readonly long _librbdCacheBytes;

    /// <summary>
    /// The cluster's configuration file (monitors, keyring), or null for librados' default search
    /// (the CEPH_CONF environment variable, then /etc/ceph/ceph.conf).
    /// </summary>
    public string? ConfigurationFile { get; init; }

    /// <summary>The client to authenticate as, without "client." (default "admin").</summary>
    /// <exception cref="ArgumentException">Empty or white space.</exception>
    public string ClientId
    {
        get => _clientId;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            _clientId = value;
        }
    }

    /// <summary>
    /// How long a read, write, flush or monitor request may go unanswered before it fails with an
    /// I/O error (ETIMEDOUT) instead of waiting: librados' rados_osd_op_timeout and
    /// rados_mon_op_timeout, which by default never expire. Default 30 s: longer than an OSD
    /// restart or a monitor election usually takes, short enough that a dead cluster surfaces as an
    /// error the cache reports and retries, never as a hang. At least 1 s.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1 s.</exception>
    public TimeSpan OperationTimeout
    {
        get => _operationTimeout;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromSeconds(1));
            _operationTimeout = value;
        }
    }

    /// <summary>
    /// How long connecting may take before it fails (librados' client_mount_timeout). Default
    /// 30 s, as for operations. At least 1 s.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1 s.</exception>
    public TimeSpan ConnectTimeout
    {
        get => _connectTimeout;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromSeconds(1));
            _connectTimeout = value;
        }
    }

    /// <summary>
    /// The size of librbd's own cache for images opened through this connection, or 0 (the
    /// default) to keep it off. When above 0, librbd caches in writeback mode (rbd_cache = true,
    /// rbd_cache_policy = writeback, rbd_cache_size = this, rbd_cache_max_dirty = 3/4 of it,
    /// rbd_cache_target_dirty = 1/2 of it, as librbd's own defaults of 32, 24 and 16 MiB, and
    /// rbd_cache_writethrough_until_flush = false, so it writes back from the first write).
    /// Only <see cref="CephCluster.OpenRawImage"/> may be used then: a
    /// <see cref="RbdBackingStore"/> refuses such a connection, because a second cache under
    /// Quire's would acknowledge writes the cluster does not have and hold memory the pool does
    /// not account for. At most 64 GiB.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or above 64 GiB.</exception>
    public long LibrbdCacheBytes
    {
        get => _librbdCacheBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxLibrbdCacheBytes);
            _librbdCacheBytes = value;
        }
    }

    // 64 GiB: librbd allocates the cache from the process's heap; more is a typing mistake.
    private const long MaxLibrbdCacheBytes = 64L << 30;
}
