using System.Diagnostics.Metrics;
using System.Numerics;
using Microsoft.Extensions.Logging;

namespace Quire;

/// <summary>
/// Settings of a <see cref="PageCache"/>. Every property has a default that works for a general
/// purpose cache; each says where its default comes from. Values are checked when set, and the
/// combination when the cache is created, with an <see cref="ArgumentOutOfRangeException"/> that
/// names the property.
/// </summary>
public sealed class PageCacheOptions
{
    /// <summary>The smallest page size: the x86-64 and arm64 base page.</summary>
    public const int MinPageSize = 4096;

    /// <summary>The largest page size: a page's 512-byte sectors must fit in a 128-bit bitmap.</summary>
    public const int MaxPageSize = 65536;

    /// <summary>The fewest frames a pool may have: enough for a write, its read-modify-write and the reserve.</summary>
    public const int MinFrameCount = 8;

    private readonly long _memoryLimitBytes = 64L << 20;
    private readonly int _pageSize = MinPageSize;
    private readonly int _minFreeFrames = -1;
    private readonly int _maxReadAheadBytes = 1 << 20;
    private readonly int _maxClusterBytes = 1 << 20;
    private readonly TimeSpan _maxFrameWait = TimeSpan.FromSeconds(30);
    private readonly TimeSpan _maxPageWait = TimeSpan.FromSeconds(60);
    private readonly TimeProvider _timeProvider = TimeProvider.System;
    private readonly double _backgroundDirtyRatio = 0.10;
    private readonly double _dirtyRatio = 0.20;
    private readonly long _backgroundDirtyBytes;
    private readonly long _dirtyBytes;
    private readonly TimeSpan _writebackInterval = TimeSpan.FromSeconds(5);
    private readonly TimeSpan _dirtyExpire = TimeSpan.FromSeconds(30);
    private readonly int _maxWritesInFlight = 128;
    private readonly TimeSpan _maxWritebackStall = TimeSpan.FromSeconds(60);
    private readonly int _maxIdleFiles = 1024;
    private readonly string? _residentSetPath;
    private readonly TimeSpan _residentSetSaveInterval = TimeSpan.FromMinutes(5);
    private readonly int _maxPrewarmReadsPerSecond = 10_000;

    /// <summary>
    /// The bytes of page frames the cache allocates, rounded down to whole pages. Default 64 MiB:
    /// large enough for a sizeable working set, small enough to embed anywhere. The metadata adds
    /// 64 bytes per frame (1.6% with 4 KiB pages), and each file's page index a few bytes per page.
    /// The frames are made resident when the cache is built (on Linux with transparent huge pages
    /// where the OS offers them), so the budget is used from the start and first touches do not
    /// slow the first reads and writes.
    /// </summary>
    public long MemoryLimitBytes
    {
        get => _memoryLimitBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, (long)MinFrameCount * MinPageSize, nameof(MemoryLimitBytes));
            _memoryLimitBytes = value;
        }
    }

    /// <summary>
    /// The page size in bytes: a power of two from 4 KiB to 64 KiB. Default 4 KiB, the hardware page
    /// and the unit most storage engines use; larger pages trade memory for fewer, larger I/Os.
    /// </summary>
    public int PageSize
    {
        get => _pageSize;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, MinPageSize, nameof(PageSize));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxPageSize, nameof(PageSize));
            if (!BitOperations.IsPow2(value))
            {
                throw new ArgumentOutOfRangeException(nameof(PageSize), value, $"'{nameof(PageSize)}' must be a power of two, but it is {value}.");
            }

            _pageSize = value;
        }
    }

    /// <summary>
    /// Frames kept free for demand allocations: speculative work (read-ahead, prefetch) never
    /// takes them, so a caller that needs one page can always make progress. Default (-1): 1/64 of
    /// the pool, at least 4, as FreeBSD reserves a small fraction of memory for the page daemon.
    /// </summary>
    public int MinFreeFrames
    {
        get => _minFreeFrames;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, -1, nameof(MinFreeFrames));
            _minFreeFrames = value;
        }
    }

    /// <summary>
    /// The largest read-ahead window in bytes (0 turns read-ahead off). Default 1 MiB: large enough
    /// for a device to stream at full speed, the same as <see cref="MaxClusterBytes"/> so a sequential
    /// reader issues I/Os of the size writeback does.
    /// </summary>
    public int MaxReadAheadBytes
    {
        get => _maxReadAheadBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(MaxReadAheadBytes));
            _maxReadAheadBytes = value;
        }
    }

    /// <summary>
    /// The largest vectored write in bytes: runs of adjacent dirty pages are written in clusters up to
    /// this size. Default 1 MiB, where sequential write bandwidth stops growing on SSDs and disks.
    /// </summary>
    public int MaxClusterBytes
    {
        get => _maxClusterBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, MinPageSize, nameof(MaxClusterBytes));
            _maxClusterBytes = value;
        }
    }

    /// <summary>
    /// How long a caller that needs a frame waits for one when every frame is pinned, busy or dirty,
    /// before it gets a <see cref="PageCacheExhaustedException"/>. Default 30 s: long enough to ride
    /// out a burst of writeback, short enough that a leaked lease shows up as an error, not a hang.
    /// </summary>
    public TimeSpan MaxFrameWait
    {
        get => _maxFrameWait;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(MaxFrameWait));
            _maxFrameWait = value;
        }
    }

    /// <summary>
    /// How long a caller waits for a page another thread holds (being read from the store, written by
    /// a lease) before it gets a <see cref="TimeoutException"/>. Default 60 s: a device that has not
    /// answered in a minute is failing, and the caller is better told than hung.
    /// </summary>
    public TimeSpan MaxPageWait
    {
        get => _maxPageWait;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(MaxPageWait));
            _maxPageWait = value;
        }
    }

    /// <summary>
    /// Whether files opened by path bypass the OS page cache with O_DIRECT, so data is cached once.
    /// Default false: buffered I/O works on every file system and lets the OS cache what does not fit;
    /// turn it on when the pool is sized to hold the working set. Falls back to buffered per file
    /// where the file system refuses O_DIRECT. With it, writeback goes through io_uring where the
    /// kernel offers it (Linux 5.5 and later, unless disabled: the environment variable
    /// <c>QUIRE_IO_URING=0</c> turns it off), many writes submitted with one system call and none
    /// waiting on a thread of its own; elsewhere each write waits on a thread of its own.
    /// </summary>
    public bool UseDirectIO { get; init; }

    /// <summary>The clock for timestamps and timers. Default <see cref="TimeProvider.System"/>; tests pass a manual one.</summary>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(TimeProvider));
            _timeProvider = value;
        }
    }

    /// <summary>
    /// The share of the pool that may hold data to write (dirty, or with its write in flight) before
    /// the page writer starts writing it back in the background. Default 0.10, Linux's
    /// dirty_background_ratio. Ignored when <see cref="BackgroundDirtyBytes"/> is set.
    /// </summary>
    public double BackgroundDirtyRatio
    {
        get => _backgroundDirtyRatio;
        init
        {
            ValidateRatio(value, nameof(BackgroundDirtyRatio));
            _backgroundDirtyRatio = value;
        }
    }

    /// <summary>
    /// The share of the pool that may hold data to write (dirty, or with its write in flight) before
    /// writers are throttled to the speed of the device. Default 0.20, Linux's dirty_ratio. Writers
    /// are never paused below halfway between the two thresholds and are slowed smoothly above it;
    /// the data to write exceeds this limit by at most one write (at most 4 MiB) per concurrently
    /// writing thread. Data written but not yet durable is not counted here: it keeps its frames
    /// until a durable flush and has a bound of the same size, at which the page writer waits for
    /// durable flushes before it writes more. Ignored when <see cref="DirtyBytes"/> is set.
    /// </summary>
    public double DirtyRatio
    {
        get => _dirtyRatio;
        init
        {
            ValidateRatio(value, nameof(DirtyRatio));
            _dirtyRatio = value;
        }
    }

    /// <summary>The background threshold in bytes (Linux's dirty_background_bytes); 0, the default, uses <see cref="BackgroundDirtyRatio"/>.</summary>
    public long BackgroundDirtyBytes
    {
        get => _backgroundDirtyBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(BackgroundDirtyBytes));
            _backgroundDirtyBytes = value;
        }
    }

    /// <summary>The dirty limit in bytes (Linux's dirty_bytes); 0, the default, uses <see cref="DirtyRatio"/>.</summary>
    public long DirtyBytes
    {
        get => _dirtyBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(DirtyBytes));
            _dirtyBytes = value;
        }
    }

    /// <summary>
    /// How often the page writer wakes to write back data that has been dirty for longer than
    /// <see cref="DirtyExpire"/>. Default 5 s, Linux's dirty_writeback_centisecs.
    /// </summary>
    public TimeSpan WritebackInterval
    {
        get => _writebackInterval;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(WritebackInterval));
            _writebackInterval = value;
        }
    }

    /// <summary>
    /// How long data may stay dirty before the page writer must write it back. Default 30 s,
    /// Linux's dirty_expire_centisecs: long enough that rewrites of hot pages coalesce.
    /// </summary>
    public TimeSpan DirtyExpire
    {
        get => _dirtyExpire;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(DirtyExpire));
            _dirtyExpire = value;
        }
    }

    /// <summary>
    /// Laptop mode (Linux's laptop_mode): hold writeback back until the dirty limit is near or until
    /// the store has just been read (the device is awake anyway), then write everything out, so an
    /// idle disk can stay spun down. Default false. Flushes are never held back.
    /// </summary>
    public bool LaptopMode { get; init; }

    /// <summary>
    /// The most writes kept in flight at once by one writeback (a flush or the page writer's) to a
    /// store whose writes wait for a device (O_DIRECT, a network store), from 1 to 256. Default 128:
    /// random 4 KiB O_DIRECT writes reach an SSD's rate only with a deep queue (measured here with
    /// fio through io_uring: 27 K writes/s at 16 in flight, 77 K at 64, 81 K at 128), and the
    /// kernel completes direct writes on a worker thread that competes with the application for
    /// the CPU, so a queue of 64 ran dry while completions waited for that thread (the device was
    /// idle 27 % of the time; with 128 it was 11 %, and the cache wrote back 1.4x as fast); one
    /// writeback also keeps at most 8 MiB in flight, so runs of 1 MiB stream with 8. Writes
    /// submitted through io_uring take no thread each; where they cannot be (a network store, a
    /// kernel without io_uring), each blocks a writeback thread, of which there are at most 16.
    /// When the backlog is large the page writer also writes several files at once, one per such
    /// thread; with little dirty data it writes one file at a time, at idle I/O priority where the
    /// OS allows.
    /// </summary>
    public int MaxWritesInFlight
    {
        get => _maxWritesInFlight;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxWritesInFlight));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 256, nameof(MaxWritesInFlight));
            _maxWritesInFlight = value;
        }
    }

    /// <summary>
    /// How long a throttled writer waits while the device makes no progress at all before it fails
    /// with a <see cref="WritebackStalledException"/> carrying the recorded write error. Default 60 s:
    /// a device that writes nothing for a minute is failing, and the writer is better told than hung.
    /// </summary>
    public TimeSpan MaxWritebackStall
    {
        get => _maxWritebackStall;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(MaxWritebackStall));
            _maxWritebackStall = value;
        }
    }

    /// <summary>
    /// Whether each file's data to write is held under the file's own share of the dirty limit
    /// (Linux's strictlimit). A file's share follows its recent share of its device's writeout, and
    /// is at least a fair share among the files with data to write. Default false: the limit is
    /// cache-wide, writers are paused only above the freerun point, and a file's share only
    /// speeds up or slows down its writers relative to the others. Turn it on to keep one file's
    /// writer from filling the limit that other files' writers need, at the cost of pausing a
    /// writer while the cache as a whole is below the limit.
    /// </summary>
    public bool StrictFileDirtyLimit { get; init; }

    /// <summary>
    /// Where the cache logs write and flush failures, writeback retries, the onset of dirty
    /// throttling, and failures that stop it writing; each kind at most 10 messages per 5 s
    /// (Linux's printk rate limit), with a count of those suppressed. Default null: no logging.
    /// </summary>
    public ILogger? Logger { get; init; }

    /// <summary>
    /// The factory that creates the cache's <see cref="Meter"/> named "Quire", as hosts with
    /// dependency injection provide. Default null: the cache creates the meter itself and
    /// disposes it with the cache. The instruments are listed in docs/OBSERVABILITY.md.
    /// </summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Whether disposing the last handle of a file flushes it (writes its dirty pages and makes them
    /// durable, with the name of a file the cache created), throwing <see cref="WritebackFailedException"/>
    /// if that fails. A file opened for writing and closed with nothing written through the cache
    /// syncs nothing, as a FileStream's close does not (what others wrote before the open is made
    /// durable by an explicit <see cref="CachedFile.Flush()"/>). Default true, as
    /// <see cref="FileStream"/> does on dispose and as engines written against it expect: a file
    /// closed without error is on disk. When false, the last close returns at once, as a close does
    /// on Linux: the page writer writes the data back within <see cref="DirtyExpire"/> and makes it
    /// durable, and a failure is reported to the next handle opened on the file at its flush, to
    /// <see cref="PageCache.FlushAll"/> and to <see cref="PageCache.Dispose"/>. Either way the file's
    /// clean pages stay cached after the last close (see <see cref="MaxIdleFiles"/>).
    /// </summary>
    public bool FlushOnLastClose { get; init; } = true;

    /// <summary>
    /// Whether a file the cache opens by path is locked against other processes, with the advisory
    /// lock <see cref="FileStream"/> takes on Linux: exclusive while the cache has the file open for
    /// writing (as <see cref="FileShare.None"/>), shared while it has it open only for reading (as
    /// <see cref="FileShare.Read"/>), so another process's FileStream cannot write a file the cache
    /// writes, and two caches cannot both write it. Default true: the cache's pages are right only
    /// if nobody else writes the file behind it. When false the cache holds no lock, and other
    /// processes (or a FileStream of this one) may open the file however they like; keeping them
    /// from writing it is then the caller's part (a reopen after another writer changed the file
    /// drops the stale pages, but nothing sees a change made while the file is open).
    /// Handles of the cache itself are governed by their share modes
    /// (<see cref="PageCache.Open(string, FileMode, FileAccess, FileShare)"/>), not by this lock.
    /// </summary>
    public bool LockFiles { get; init; } = true;

    /// <summary>
    /// How many files opened by path the cache keeps after their last handle closed, with their
    /// clean pages, so a reopen reads them from memory. Default 1,024: what a kept file costs beyond
    /// its pages (its record and page index, a few hundred bytes) stays under a megabyte, and an
    /// engine's working set of files fits (Linux keeps inodes as long as memory allows; FreeBSD
    /// bounds vnodes with maxvnodes). A kept file holds no file descriptor once its data is durable;
    /// it goes when reclaim takes its last page, or, oldest first, when more are kept. 0 keeps none.
    /// </summary>
    public int MaxIdleFiles
    {
        get => _maxIdleFiles;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(MaxIdleFiles));
            _maxIdleFiles = value;
        }
    }

    /// <summary>
    /// The file the cache saves a description of its resident set to (warm restart): per file opened
    /// by path, its identity, size, modification time and resident page numbers with their hotness;
    /// never the data. Saved every <see cref="ResidentSetSaveInterval"/> and when the cache is
    /// disposed (after its files are flushed, so their modification times are final), atomically:
    /// a crash during a save leaves the previous file or the new one. With
    /// <see cref="PrewarmAtStart"/>, a new cache reloads it in the background
    /// (<see cref="PageCache.StartupPrewarm"/>). Default null: nothing is saved or reloaded, as the
    /// cache cannot choose a place for the caller. One cache at a time may use a path. A relative
    /// path is resolved against the current directory at each save.
    /// </summary>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string? ResidentSetPath
    {
        get => _residentSetPath;
        init
        {
            if (value is not null)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(ResidentSetPath));
            }

            _residentSetPath = value;
        }
    }

    /// <summary>
    /// How often the resident set is saved to <see cref="ResidentSetPath"/> while the cache runs, on
    /// <see cref="TimeProvider"/>'s clock, besides the save at dispose, so a crash loses at most this
    /// much of the set's history. Default 5 minutes: PostgreSQL's autoprewarm_interval (a save scans
    /// the page index of every file, a few milliseconds per million resident pages, and writes a
    /// file of a few bytes per run of pages). <see cref="TimeSpan.Zero"/> saves only at dispose.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan ResidentSetSaveInterval
    {
        get => _residentSetSaveInterval;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(ResidentSetSaveInterval));
            _residentSetSaveInterval = value;
        }
    }

    /// <summary>
    /// Whether a cache with a <see cref="ResidentSetPath"/> reloads the set saved there when it is
    /// created, in the background (<see cref="PageCache.StartupPrewarm"/>). Default true, as MySQL's
    /// innodb_buffer_pool_load_at_startup and PostgreSQL's pg_prewarm.autoprewarm are on by default:
    /// a path given is meant to be used. A missing file reloads nothing; an invalid one is ignored
    /// with a logged warning.
    /// </summary>
    public bool PrewarmAtStart { get; init; } = true;

    /// <summary>
    /// The most reads per second a prewarm issues, one at a time, each of up to
    /// <see cref="MaxClusterBytes"/> of consecutive missing pages, timed on
    /// <see cref="TimeProvider"/>'s clock. Default 10,000: one read in flight at that rate takes
    /// about a sixth of what an SSD serves at random (61,000-70,000 4 KiB reads a second at queue
    /// depth 16-32, measured on the machine of docs/BENCHMARKS.md), so the application's own misses
    /// keep the device, and it reloads a pool of 64 MiB of scattered pages in about two seconds.
    /// InnoDB's buffer pool load throttles to innodb_io_capacity (200 by default), which assumes a
    /// disk with heads; at 1,000 a second the reload was slower than the application's own misses
    /// at warming the cache (docs/BENCHMARKS.md, warm restart). <see cref="int.MaxValue"/> removes the limit.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxPrewarmReadsPerSecond
    {
        get => _maxPrewarmReadsPerSecond;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxPrewarmReadsPerSecond));
            _maxPrewarmReadsPerSecond = value;
        }
    }

    /// <summary>
    /// Whether the cache runs its page writer on a background thread. Default true. When false,
    /// dirty data is written only by flushes, by reclaim, and by calls to the page writer's step
    /// function, which is how tests drive writeback deterministically with a manual clock.
    /// </summary>
    public bool StartPageWriter { get; init; } = true;

    /// <summary>Known bugs to plant, for tests that prove the reliability suites catch them; none in production.</summary>
    internal Internal.PlantedBugs PlantedBugs { get; init; }

    /// <summary>
    /// Makes the names in a directory durable (fsync of the directory, <see cref="Paging.LinuxFileIO.SyncDirectory"/>);
    /// tests replace it to fail it or to see which directories were synced when.
    /// </summary>
    internal Action<string> SyncDirectory { get; init; } = Paging.LinuxFileIO.SyncDirectory;

    /// <summary>The number of frames the pool will have.</summary>
    public int FrameCount => (int)Math.Min(MemoryLimitBytes / PageSize, Array.MaxLength / 64);

    /// <summary>Checks the combination of settings; each property was checked on its own when set.</summary>
    internal void Validate()
    {
        if (MemoryLimitBytes / PageSize < MinFrameCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MemoryLimitBytes),
                MemoryLimitBytes,
                $"'{nameof(MemoryLimitBytes)}' of {MemoryLimitBytes} bytes holds fewer than {MinFrameCount} pages of {PageSize} bytes.");
        }

        int reserve = CacheLimits.ResolveReserve(this);
        if (reserve > FrameCount / 2)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MinFreeFrames),
                MinFreeFrames,
                $"'{nameof(MinFreeFrames)}' of {reserve} frames is more than half the pool of {FrameCount} frames.");
        }

        bool bothBytes = BackgroundDirtyBytes > 0 && DirtyBytes > 0;
        bool bothRatios = BackgroundDirtyBytes == 0 && DirtyBytes == 0;
        if ((bothBytes && BackgroundDirtyBytes >= DirtyBytes)
            || (bothRatios && BackgroundDirtyRatio >= DirtyRatio)
            || (!bothBytes && !bothRatios && ResolvePages(BackgroundDirtyBytes, BackgroundDirtyRatio) >= ResolvePages(DirtyBytes, DirtyRatio)))
        {
            string name = BackgroundDirtyBytes > 0 ? nameof(BackgroundDirtyBytes) : nameof(BackgroundDirtyRatio);
            throw new ArgumentOutOfRangeException(
                name,
                $"The background threshold ({name}) must be below the dirty limit: {ResolvePages(BackgroundDirtyBytes, BackgroundDirtyRatio)} pages against {ResolvePages(DirtyBytes, DirtyRatio)}.");
        }

        if (MaxClusterBytes < PageSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxClusterBytes),
                MaxClusterBytes,
                $"'{nameof(MaxClusterBytes)}' of {MaxClusterBytes} bytes is smaller than a page of {PageSize} bytes.");
        }
    }

    private static void ValidateRatio(double value, string name)
    {
        if (!(value > 0 && value <= 1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be in (0, 1], but it is {value}.");
        }
    }

    private int ResolvePages(long bytes, double ratio) => CacheLimits.ResolvePages(this, bytes, ratio);
}
