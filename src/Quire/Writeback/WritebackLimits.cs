namespace Quire.Writeback;

/// <summary>What a memory-cleaning writeback may write: at most <see cref="MaxPages"/> pages (0: no limit), starting runs only at pages dirty since <see cref="ExpiredAtTick"/> or earlier (null: any page).</summary>
internal readonly record struct WritebackLimits(int MaxPages, int? ExpiredAtTick);
