// PrewarmResult: what one prewarm from a saved resident set read and skipped (Restart/Prewarmer
// fills it in).
//
// Locking: immutable.

namespace Quire;

/// <summary>
/// What a prewarm from a saved resident set did (see <see cref="PageCache.PrewarmAsync"/>). The cache's
/// <see cref="PageCacheStatistics"/> count the same events over every prewarm.
/// </summary>
public sealed record PrewarmResult
{
    /// <summary>Whether the saved file was found and valid.</summary>
    public required ResidentSetStatus Status { get; init; }

    /// <summary>Pages read into the cache. Pages already resident are not read again and not counted.</summary>
    public long PagesReloaded { get; init; }

    /// <summary>Files whose saved pages were read (or found resident), wholly or until the pool was full.</summary>
    public int FilesReloaded { get; init; }

    /// <summary>Files skipped because they changed since the save: another file now has the name (a new inode), or the size or modification time differs (written or truncated).</summary>
    public int FilesChanged { get; init; }

    /// <summary>Files skipped because no file has the name any more, or it could not be opened.</summary>
    public int FilesMissing { get; init; }

    /// <summary>Whether the prewarm stopped because no free frame was left: it never displaces a page in use.</summary>
    public bool StoppedAtFullPool { get; init; }

    /// <summary>Whether the prewarm stopped because the cache was disposed.</summary>
    public bool StoppedByDispose { get; init; }
}
