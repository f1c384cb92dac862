// DemoSettings: the sizes and seed one run of the demo uses, resolved from the command line and
// checked there (DemoCommand), plus the sizes derived from them.
//
// Invariants (checked by DemoCommand before a run is built): the pool holds at least 16 pages,
// the file is larger than the pool and a whole number of chunks, and the page size is a power of
// two from 4 KiB to 64 KiB. Immutable.

namespace Quire.Cli.Demo;

internal sealed record DemoSettings
{
    /// <summary>64 KiB: the chunk the sequential steps write and read, a common application I/O size.</summary>
    public const int ChunkBytes = 64 << 10;

    /// <summary>4 KiB: the size of each random read, the unit of a database page read.</summary>
    public const int RandomReadBytes = 4096;

    public required long MemoryLimitBytes { get; init; }

    public required long FileBytes { get; init; }

    public required int PageSize { get; init; }

    public required int Seed { get; init; }

    /// <summary>Where to put the files, or null for a new directory under /var/tmp, deleted afterwards.</summary>
    public string? Directory { get; init; }

    /// <summary>
    /// The random-read step's hot set: a quarter of the pool, in whole pages, so it fits with room
    /// to spare for read-ahead and the reserve of free frames.
    /// </summary>
    public long HotSetBytes => MemoryLimitBytes / 4 / PageSize * PageSize;

    /// <summary>
    /// How many random reads each side times: 64 per 4 KiB of hot set, so each location is read
    /// many times, within bounds so a tiny run still measures something and a large one ends soon.
    /// </summary>
    public int RandomReadCount => (int)Math.Clamp(HotSetBytes / RandomReadBytes * 64, 20_000, 500_000);
}
