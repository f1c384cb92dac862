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
}
