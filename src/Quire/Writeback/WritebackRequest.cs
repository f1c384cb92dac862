using Quire.Files;

namespace Quire.Writeback;

/// <summary>A range a caller asked to be written (StartWriteback), or reclaim asked to be written and made durable.</summary>
internal readonly record struct WritebackRequest(FileObject File, long FromPage, long ToPage, bool MakeDurable);
