using Quire.Ceph.Interop;

namespace Quire.Ceph;

/// <summary>
/// A connection to a Ceph cluster through librados, from which RBD images are opened as backing
/// stores for a <see cref="PageCache"/>.
/// </summary>
/// <remarks>
/// <para>
/// Needs librados.so.2 and librbd.so.1 (Debian packages librados2 and librbd1). All members are
/// thread-safe. Disposing the connection while stores opened from it are still open is safe: the
/// connection is shut down when the last of them is disposed.
/// </para>
/// <para>
/// An image opened for writing holds RBD's exclusive lock until its store is disposed, so two
/// caches, in this process or on two machines, cannot both write one image; the second gets an
/// <see cref="IOException"/>. Quire keeps no coherence between caches: share an image between
/// caches only read-only.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// using CephCluster cluster = CephCluster.Connect(new CephConnectionOptions { ConfigurationFile = "/etc/ceph/ceph.conf" });
/// using var cache = new PageCache();
/// using CachedFile file = cache.Open(cluster.OpenImage("rbd", "volume1"));
/// </code>
/// </example>
public sealed class CephCluster : IDisposable
{
    private readonly RadosClusterHandle _handle;

    private CephCluster(RadosClusterHandle handle, CephConnectionOptions options)
    {
        _handle = handle;
        Options = options;
    }

    /// <summary>The options the connection was made with.</summary>
    public CephConnectionOptions Options { get; }

    /// <summary>Connects to the cluster <paramref name="options"/> describe.</summary>
    /// <exception cref="IOException">The cluster could not be reached in time or refused the client; HResult is the errno.</exception>
    /// <exception cref="FileNotFoundException">The configuration file does not exist.</exception>
    /// <exception cref="DllNotFoundException">librados is not installed.</exception>
    public static CephCluster Connect(CephConnectionOptions? options = null)
    {
        options ??= new CephConnectionOptions();
        if (options.ConfigurationFile is { } path && !File.Exists(path))
        {
            throw new FileNotFoundException($"Ceph: the configuration file '{path}' does not exist.", path);
        }

        int result = Librados.Create(out IntPtr cluster, options.ClientId);
        CephErrors.ThrowIfFailed(result, "create a client for", "client." + options.ClientId);
        var handle = new RadosClusterHandle(cluster);
        try
        {
            string target = options.ConfigurationFile ?? "the default configuration";
            CephErrors.ThrowIfFailed(Librados.ReadConfigurationFile(cluster, options.ConfigurationFile), "read", target);
            string operationSeconds = Seconds(options.OperationTimeout);
            SetOption(cluster, "rados_osd_op_timeout", operationSeconds);
            SetOption(cluster, "rados_mon_op_timeout", operationSeconds);
            SetOption(cluster, "client_mount_timeout", Seconds(options.ConnectTimeout));

            // By default no second cache under Quire's: librbd's own (write-around by default) would
            // acknowledge writes before the cluster has them and hold memory the pool does not
            // account for. OpenImage refuses a connection that turned it on.
            if (options.LibrbdCacheBytes > 0)
            {
                long bytes = options.LibrbdCacheBytes;
                SetOption(cluster, "rbd_cache", "true");
                SetOption(cluster, "rbd_cache_policy", "writeback");
                SetOption(cluster, "rbd_cache_writethrough_until_flush", "false");
                SetOption(cluster, "rbd_cache_size", Invariant(bytes));
                SetOption(cluster, "rbd_cache_max_dirty", Invariant(bytes / 4 * 3));
                SetOption(cluster, "rbd_cache_target_dirty", Invariant(bytes / 2));
            }
            else
            {
                SetOption(cluster, "rbd_cache", "false");
            }

            CephErrors.ThrowIfFailed(Librados.Connect(cluster), "connect to the cluster of", target);
            return new CephCluster(handle, options);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens image <paramref name="imageName"/> of pool <paramref name="poolName"/> as a backing
    /// store. For writing it takes the image's exclusive lock, which the store holds until disposed.
    /// </summary>
    /// <exception cref="FileNotFoundException">The pool or the image does not exist.</exception>
    /// <exception cref="IOException">Another client holds the image's exclusive lock (HResult EBUSY), the image cannot be locked, or the cluster failed.</exception>
    /// <exception cref="ArgumentException">An empty name, or an access other than Read or ReadWrite.</exception>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    /// <exception cref="InvalidOperationException">The connection has librbd's own cache on (<see cref="CephConnectionOptions.LibrbdCacheBytes"/>).</exception>
    public RbdBackingStore OpenImage(string poolName, string imageName, FileAccess access = FileAccess.ReadWrite, RbdImageOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolName);
        ArgumentException.ThrowIfNullOrEmpty(imageName);
        if (access is not (FileAccess.Read or FileAccess.ReadWrite))
        {
            throw new ArgumentException($"An image is opened with FileAccess.Read or FileAccess.ReadWrite, not {access}.", nameof(access));
        }

        if (Options.LibrbdCacheBytes > 0)
        {
            throw new InvalidOperationException($"rbd:{poolName}/{imageName} cannot be opened as a backing store through a connection with librbd's own cache on (CephConnectionOptions.LibrbdCacheBytes); connect without it, or use OpenRawImage.");
        }

        string name = $"rbd:{poolName}/{imageName}";
        (IntPtr image, IntPtr ioContext) = OpenNative(poolName, imageName, access, name);
        var handle = new RbdImageHandle(image, ioContext, _handle);
        try
        {
            return new RbdBackingStore(handle, name, access == FileAccess.ReadWrite, options ?? new RbdImageOptions());
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens image <paramref name="imageName"/> of pool <paramref name="poolName"/> for plain
    /// synchronous librbd reads and writes with no Quire cache in front: through librbd's own
    /// cache when the connection has one (<see cref="CephConnectionOptions.LibrbdCacheBytes"/>),
    /// straight to the cluster otherwise. It does not take the exclusive lock up front: librbd
    /// takes it at the first write and hands it over cooperatively when another client asks, as
    /// for any librbd client.
    /// </summary>
    /// <exception cref="FileNotFoundException">The pool or the image does not exist.</exception>
    /// <exception cref="IOException">The cluster failed.</exception>
    /// <exception cref="ArgumentException">An empty name, or an access other than Read or ReadWrite.</exception>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    public RbdImage OpenRawImage(string poolName, string imageName, FileAccess access = FileAccess.ReadWrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolName);
        ArgumentException.ThrowIfNullOrEmpty(imageName);
        if (access is not (FileAccess.Read or FileAccess.ReadWrite))
        {
            throw new ArgumentException($"An image is opened with FileAccess.Read or FileAccess.ReadWrite, not {access}.", nameof(access));
        }

        string name = $"rbd:{poolName}/{imageName}";
        (IntPtr image, IntPtr ioContext) = OpenNative(poolName, imageName, access, name);
        return new RbdImage(new RbdImageHandle(image, ioContext, _handle), name, access == FileAccess.ReadWrite);
    }

    /// <summary>rbd_open or rbd_open_read_only; the image holds a reference on the connection the handle releases.</summary>
    private (IntPtr Image, IntPtr IoContext) OpenNative(string poolName, string imageName, FileAccess access, string name)
    {
        IntPtr ioContext = CreateIoContext(poolName);
        IntPtr image;
        int result = access == FileAccess.Read
            ? Librbd.OpenReadOnly(ioContext, imageName, out image, null)
            : Librbd.Open(ioContext, imageName, out image, null);
        if (result < 0)
        {
            Librados.DestroyIoContext(ioContext);
            _handle.DangerousRelease();
            throw CephErrors.ToException(result, "open image", name);
        }

        return (image, ioContext);
    }

    /// <summary>Creates image <paramref name="imageName"/> of <paramref name="byteCount"/> bytes in pool <paramref name="poolName"/>, with the default features (which include the exclusive lock).</summary>
    /// <exception cref="IOException">The image exists (HResult EEXIST), or the cluster failed.</exception>
    /// <exception cref="FileNotFoundException">The pool does not exist.</exception>
    public void CreateImage(string poolName, string imageName, long byteCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolName);
        ArgumentException.ThrowIfNullOrEmpty(imageName);
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        IntPtr ioContext = CreateIoContext(poolName);
        try
        {
            int order = 0; // librbd's default object size (4 MiB)
            CephErrors.ThrowIfFailed(Librbd.Create(ioContext, imageName, (ulong)byteCount, ref order), "create image", $"rbd:{poolName}/{imageName}");
        }
        finally
        {
            Librados.DestroyIoContext(ioContext);
            _handle.DangerousRelease();
        }
    }

    /// <summary>Deletes image <paramref name="imageName"/> of pool <paramref name="poolName"/>.</summary>
    /// <exception cref="FileNotFoundException">The pool or the image does not exist.</exception>
    /// <exception cref="IOException">The image is open somewhere (HResult EBUSY), or the cluster failed.</exception>
    public void RemoveImage(string poolName, string imageName)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolName);
        ArgumentException.ThrowIfNullOrEmpty(imageName);
        IntPtr ioContext = CreateIoContext(poolName);
        try
        {
            CephErrors.ThrowIfFailed(Librbd.Remove(ioContext, imageName), "remove image", $"rbd:{poolName}/{imageName}");
        }
        finally
        {
            Librados.DestroyIoContext(ioContext);
            _handle.DangerousRelease();
        }
    }

    /// <summary>Drops this reference to the connection; it shuts down when no store uses it.</summary>
    public void Dispose() => _handle.Dispose();

    private static void SetOption(IntPtr cluster, string option, string value) =>
        CephErrors.ThrowIfFailed(Librados.SetOption(cluster, option, value), "set option " + option + " of", "the client");

    private static string Invariant(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan span) => ((long)Math.Ceiling(span.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An I/O context for the pool, with a reference on the connection the caller must release.</summary>
    private IntPtr CreateIoContext(string poolName)
    {
        bool added = false;
        _handle.DangerousAddRef(ref added); // throws ObjectDisposedException once disposed
        int result = Librados.CreateIoContext(_handle.DangerousGetHandle(), poolName, out IntPtr ioContext);
        if (result < 0)
        {
            _handle.DangerousRelease();
            throw CephErrors.ToException(result, "open pool", poolName);
        }

        return ioContext;
    }
}
