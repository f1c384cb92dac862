// FileIdentity: which file a path names, as the OS knows it: the device and the inode number. Two
// paths to one file (hard links, a rename) have one identity; a name re-created after a delete has
// a new one. The file table keys the file objects of real files by it.
//
// Locking: immutable.

namespace Quire.Files;

/// <summary>A file's device number (major &lt;&lt; 32 | minor) and inode number.</summary>
internal readonly record struct FileIdentity(long Device, long Inode);
