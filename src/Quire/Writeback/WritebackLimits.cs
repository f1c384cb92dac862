namespace Quire.Writeback;

/// <summary>
/// What a memory-cleaning writeback may write: at most <see cref="MaxPages"/> pages (0: no limit),
/// starting runs only at pages dirty since <see cref="ExpiredAtTick"/> or earlier (null: any page),
/// and, with <see cref="SkipBusy"/>, not pages someone holds for writing (Haiku's page writer skips
/// busy pages; a flush does not, since it must write everything dirty when it began). Runs shorter
/// than <see cref="MinRunPages"/> are left to grow, so the background writer does not chase an
/// appending writer with small writes; expiry, flushes and a backlog at the limit take them.
/// </summary>
internal readonly record struct WritebackLimits(int MaxPages, int? ExpiredAtTick, bool SkipBusy = false, int MinRunPages = 0);
