// FileStamp: what a stat of a file says about its identity and its last change: enough to tell
// whether the file on disk is the one whose pages the cache kept (a reopen's revalidation).
//
// Locking: immutable.

namespace Quire.Files;

/// <summary>
/// A file's identity, size and modification and change times (nanoseconds since the Unix epoch),
/// as one stat call saw them. Another writer changes the size or the modification time; a change of
/// metadata (a truncate to the same size, a rename over it) moves the change time.
/// </summary>
internal readonly record struct FileStamp(FileIdentity Identity, long Size, long ModifiedNanoseconds, long ChangedNanoseconds);
