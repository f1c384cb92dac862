namespace Quire;

/// <summary>
/// Where a cached file's bytes live: the seam between the page cache and a device. The cache
/// reads and writes whole clusters of pages through it with vectored calls, makes writes durable
/// with <see cref="Flush()"/>, and changes the length with <see cref="SetLength"/>.
/// </summary>
/// <remarks>
/// <para>
/// Implementations must be safe for concurrent calls on different byte ranges: the cache reads
/// and writes several clusters of one store at once, but never two overlapping writes.
/// </para>
/// <para>
/// A write either completes in full or throws; after a throw the cache treats every byte of the
/// call as not written and keeps the pages dirty. A read returns fewer bytes than asked only at the
/// end of the store; the cache reads the rest as zeros. Errors are reported as exceptions whose
/// <see cref="Exception.HResult"/> is the errno on Unix, as .NET's own file APIs do.
/// </para>
/// <para>The cache owns a store once it is opened through <see cref="PageCache.Open(IBackingStore, FileAccess)"/> and disposes it when the last handle closes.</para>
/// </remarks>
public interface IBackingStore : IDisposable
{
    /// <summary>A name for messages and statistics: a path, or a description of the store.</summary>
    string Name { get; }

    /// <summary>Whether the store accepts writes, length changes and flushes.</summary>
    bool CanWrite { get; }

    /// <summary>The store's length in bytes.</summary>
    long GetLength();

    /// <summary>Sets the store's length, cutting off or zero-extending its end.</summary>
    void SetLength(long byteCount);

    /// <summary>Reads into <paramref name="buffers"/> in order from <paramref name="fileOffset"/>; returns the bytes read, short only at the end of the store.</summary>
    int Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset);

    /// <summary>Reads asynchronously; the same contract as <see cref="Read"/>.</summary>
    ValueTask<int> ReadAsync(IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="buffers"/> in order at <paramref name="fileOffset"/>, all of them or throwing.</summary>
    void Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset);

    /// <summary>Makes every completed write and the length durable (fsync).</summary>
    void Flush();
}
