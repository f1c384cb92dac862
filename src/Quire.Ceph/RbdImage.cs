// RbdImage: an RBD image read and written with librbd's plain synchronous calls (rbd_read,
// rbd_write, rbd_flush), with no Quire cache in front: what a program does without Quire, and the
// baseline `quire bench` compares Quire against. Whether librbd's own cache sits in between is
// the connection's choice (CephConnectionOptions.LibrbdCacheBytes).
//
// Locking: none of its own; librbd serializes what it must per image, so every member may be
// called from several threads at once. The SafeHandle's reference count keeps the image open
// while a call is in it.

using Quire.Ceph.Interop;

namespace Quire.Ceph;

/// <summary>
/// An RBD image opened with <see cref="CephCluster.OpenRawImage"/> for synchronous reads and
/// writes through librbd, without a Quire cache. Thread-safe.
/// </summary>
/// <remarks>
/// Errors carry the errno as <see cref="Exception.HResult"/>, mapped as for
/// <see cref="RbdBackingStore"/>; a cluster that does not answer within
/// <see cref="CephConnectionOptions.OperationTimeout"/> gives an <see cref="IOException"/> with
/// ETIMEDOUT. Without librbd's cache, a write is on the cluster (in its journal or memory) when it
/// returns and durable after <see cref="Flush()"/>; with the cache, only after <see cref="Flush()"/>.
/// </remarks>
public sealed unsafe class RbdImage : IDisposable
{
    private readonly RbdImageHandle _image; // (I)

    internal RbdImage(RbdImageHandle image, string name, bool canWrite)
    {
        _image = image;
        Name = name;
        CanWrite = canWrite;
    }

    /// <summary>The image, as rbd:POOL/IMAGE.</summary>
    public string Name { get; }

    /// <summary>Whether the image was opened for writing.</summary>
    public bool CanWrite { get; }

    /// <summary>The image's size in bytes (rbd_get_size).</summary>
    /// <exception cref="IOException">The cluster failed.</exception>
    /// <exception cref="ObjectDisposedException">The image was disposed.</exception>
    public long Length
    {
        get
        {
            IntPtr image = AddRef();
            try
            {
                CephErrors.ThrowIfFailed(Librbd.GetSize(image, out ulong size), "get the size of", Name);
                return (long)size;
            }
            finally
            {
                _image.DangerousRelease();
            }
        }
    }

    /// <summary>Reads up to <paramref name="buffer"/>'s length at <paramref name="fileOffset"/> (rbd_read); returns the bytes read, fewer only at the image's end.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fileOffset"/> is negative.</exception>
    /// <exception cref="IOException">The cluster failed or did not answer in time.</exception>
    /// <exception cref="ObjectDisposedException">The image was disposed.</exception>
    public int Read(long fileOffset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fileOffset);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        IntPtr image = AddRef();
        try
        {
            fixed (byte* pointer = buffer)
            {
                nint result = Librbd.Read(image, (ulong)fileOffset, (nuint)buffer.Length, pointer);
                if (result == -CephErrors.EINVAL && Librbd.GetSize(image, out ulong size) == 0 && fileOffset + buffer.Length > (long)size)
                {
                    // librbd refuses a read that runs past the end; read what there is, as a file would.
                    long available = Math.Max(0, (long)size - fileOffset);
                    result = available == 0 ? 0 : Librbd.Read(image, (ulong)fileOffset, (nuint)available, pointer);
                }

                return (int)CephErrors.ThrowIfFailed(result, $"read {buffer.Length} bytes at offset {fileOffset} of", Name);
            }
        }
        finally
        {
            _image.DangerousRelease();
        }
    }

    /// <summary>Writes <paramref name="buffer"/> at <paramref name="fileOffset"/> (rbd_write), inside the image's size.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fileOffset"/> is negative.</exception>
    /// <exception cref="IOException">The write failed, wrote fewer bytes, ran past the image's end (EINVAL), or got no answer in time.</exception>
    /// <exception cref="NotSupportedException">The image was opened read-only.</exception>
    /// <exception cref="ObjectDisposedException">The image was disposed.</exception>
    public void Write(long fileOffset, ReadOnlySpan<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fileOffset);
        ThrowIfReadOnly();
        if (buffer.IsEmpty)
        {
            return;
        }

        IntPtr image = AddRef();
        try
        {
            fixed (byte* pointer = buffer)
            {
                nint result = Librbd.Write(image, (ulong)fileOffset, (nuint)buffer.Length, pointer);
                long written = CephErrors.ThrowIfFailed(result, $"write {buffer.Length} bytes at offset {fileOffset} of", Name);
                if (written != buffer.Length)
                {
                    throw new IOException($"Ceph: the write of {buffer.Length} bytes at offset {fileOffset} of '{Name}' wrote {written}.", CephErrors.EIO);
                }
            }
        }
        finally
        {
            _image.DangerousRelease();
        }
    }

    /// <summary>Makes every write that returned before this call durable (rbd_flush; with librbd's cache, writes its dirty data first).</summary>
    /// <exception cref="IOException">The cluster failed or did not answer in time.</exception>
    /// <exception cref="NotSupportedException">The image was opened read-only.</exception>
    /// <exception cref="ObjectDisposedException">The image was disposed.</exception>
    public void Flush()
    {
        ThrowIfReadOnly();
        IntPtr image = AddRef();
        try
        {
            CephErrors.ThrowIfFailed(Librbd.Flush(image), "flush", Name);
        }
        finally
        {
            _image.DangerousRelease();
        }
    }

    /// <summary>Closes the image (rbd_close; with librbd's cache, this writes its dirty data back first).</summary>
    public void Dispose() => _image.Dispose();

    private IntPtr AddRef()
    {
        bool added = false;
        _image.DangerousAddRef(ref added); // throws ObjectDisposedException once disposed
        return _image.DangerousGetHandle();
    }

    private void ThrowIfReadOnly()
    {
        if (!CanWrite)
        {
            throw new NotSupportedException($"'{Name}' was opened read-only.");
        }
    }
}
