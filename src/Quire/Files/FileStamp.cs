// FileStamp: what a stat of a file says about its identity and its last change: enough to tell
// whether the file on disk is the one whose pages the cache kept (a reopen's revalidation).
//
// Locking: immutable.

namespace Quire.Files;

/// <summary>
/// A file's identity, size, modification and change times (nanoseconds since the Unix epoch) and
/// number of names (hard links), as one stat call saw them. Another writer changes the size or the
/// modification time; a change of metadata (a truncate to the same size, a rename, a link) moves
/// the change time.
/// </summary>
internal readonly record struct FileStamp(FileIdentity Identity, long Size, long ModifiedNanoseconds, long ChangedNanoseconds, int LinkCount);
