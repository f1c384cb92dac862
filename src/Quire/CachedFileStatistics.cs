namespace Quire;

/// <summary>
/// A snapshot of one file's state in the cache and of one handle's I/O accounting (Linux's
/// per-task I/O accounting). Read without stopping the cache, so figures may disagree slightly.
/// </summary>
public sealed record CachedFileStatistics
{
    /// <summary>The file's size in bytes as the cache sees it.</summary>
    public required long Length { get; init; }

    /// <summary>The file's pages in the cache.</summary>
    public required int ResidentPages { get; init; }

    /// <summary>The file's pages with data not yet written back.</summary>
    public required int DirtyPages { get; init; }

    /// <summary>The file's pages whose write is in flight.</summary>
    public required int WritebackPages { get; init; }

    /// <summary>The file's pages written but not yet durable.</summary>
    public required int UnsyncedPages { get; init; }

    /// <summary>How long the file's oldest dirty page has been dirty; zero when none is.</summary>
    public required TimeSpan OldestDirtyAge { get; init; }

    /// <summary>
    /// The measured write bandwidth (bytes per second) of the device the file writes to, shared by
    /// every file on that device: the rate its writes complete while it has data to write. It
    /// paces throttled writers.
    /// </summary>
    public required double WriteBandwidthBytesPerSecond { get; init; }

    /// <summary>Bytes written into the cache through this handle.</summary>
    public required long BytesDirtied { get; init; }

    /// <summary>Bytes this handle's flushes wrote to the store.</summary>
    public required long BytesWrittenByFlush { get; init; }

    /// <summary>Times this handle's writers were paused by dirty throttling.</summary>
    public required long ThrottlePauses { get; init; }

    /// <summary>The total time this handle's writers were paused by dirty throttling.</summary>
    public required TimeSpan ThrottleTime { get; init; }
}
