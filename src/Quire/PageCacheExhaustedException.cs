namespace Quire;

/// <summary>
/// Thrown when an operation needed a page frame and none could be had within
/// <see cref="PageCacheOptions.MaxFrameWait"/>: every frame was pinned, busy, or dirty and
/// could not be written back. Nothing of the operation was applied; release leases (or let the
/// device recover) and retry.
/// </summary>
/// <remarks>
/// Derives from <see cref="IOException"/>, as .NET reports ENOMEM from I/O calls, rather than from
/// <see cref="OutOfMemoryException"/>, which callers rightly treat as fatal.
/// </remarks>
public sealed class PageCacheExhaustedException : IOException
{
    /// <summary>Creates the exception for a pool of <paramref name="frameCount"/> frames.</summary>
    public PageCacheExhaustedException(int frameCount, int pinnedFrameCount, int dirtyFrameCount, TimeSpan waited, Exception? innerException)
        : base(
            $"No page frame became free within {waited.TotalMilliseconds:0} ms: of {frameCount} frames, {pinnedFrameCount} are pinned or busy "
            + $"and {dirtyFrameCount} are dirty and could not be written back. Release page leases or enlarge the pool.",
            innerException)
    {
        FrameCount = frameCount;
        PinnedFrameCount = pinnedFrameCount;
        DirtyFrameCount = dirtyFrameCount;
    }

    /// <summary>The number of frames in the pool.</summary>
    public int FrameCount { get; }

    /// <summary>The number of frames that were pinned or busy when the wait ended.</summary>
    public int PinnedFrameCount { get; }

    /// <summary>The number of frames holding dirty or not yet durable data when the wait ended.</summary>
    public int DirtyFrameCount { get; }
}
