using Quire.Files;

namespace Quire.Paging;

/// <summary>
/// Told when a write made pages dirty, so writers that dirty faster than the device cleans can be
/// slowed down. Implemented by the throttling layer, above paging; this interface is the signal.
/// </summary>
internal interface IDirtyThrottle
{
    /// <summary>
    /// Called by a writer, with no lock or hold, after <paramref name="pagesDirtied"/> pages of
    /// <paramref name="file"/> went from clean to dirty through <paramref name="handle"/>; may sleep.
    /// </summary>
    void OnPagesDirtied(FileObject file, HandleAccounting handle, int pagesDirtied);

    /// <summary>
    /// <see cref="OnPagesDirtied"/> for an asynchronous writer: a pause holds no thread, and
    /// <paramref name="cancellationToken"/> ends it early (the pages are dirty already: nothing is
    /// undone). Completes synchronously when no pause is due.
    /// </summary>
    ValueTask OnPagesDirtiedAsync(FileObject file, HandleAccounting handle, int pagesDirtied, CancellationToken cancellationToken);
}
