// ResidentSetStatus: what a prewarm found at the path of a saved resident set.
//
// Locking: immutable (an enum).

namespace Quire;

/// <summary>What a prewarm found at the path of the saved resident set (see <see cref="PageCache.PrewarmAsync"/>).</summary>
public enum ResidentSetStatus
{
    /// <summary>The file was read and valid; its files were reloaded or skipped as <see cref="PrewarmResult"/> says.</summary>
    Loaded = 0,

    /// <summary>No file has that name (the first start, or nothing was ever saved there): nothing was reloaded and nothing logged.</summary>
    Missing = 1,

    /// <summary>
    /// The file could not be read, or it is truncated, corrupt, of another version or too large: it
    /// was ignored with a logged warning (event ResidentSetIgnored) and nothing was reloaded.
    /// </summary>
    Invalid = 2,
}
