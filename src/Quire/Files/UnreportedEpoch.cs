// UnreportedEpoch: an error epoch of a file that no handle has reported, carried from a retired
// file object to the one that replaces it (ErrorSequence.InheritLocked).
//
// Locking: immutable.

namespace Quire.Files;

/// <summary>An error epoch nobody reported: the ranges that failed and the last error.</summary>
internal sealed record UnreportedEpoch(ByteRange[] Ranges, Exception? LastError);
