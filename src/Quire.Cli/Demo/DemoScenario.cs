// DemoScenario: one run of `quire demo`. It writes and reads temporary files through a PageCache
// and through plain RandomAccess calls, checks every byte it reads against the seeded pattern it
// wrote, and prints what the cache did next to the plain I/O's figures.
//
// The steps, in order (each is one method below):
//   1. WriteSequentially: a file larger than the pool, 64 KiB writes, then a durable flush.
//   2. ReadHotSetAtRandom: 4 KiB reads at random offsets in a hot set a quarter of the pool's size.
//   3. ReadSequentially: the whole file in 64 KiB reads, best of three passes.
//   4. AdviseDontNeed: drop the file's pages on advice, then every statistic of the cache.
// Steps 2 to 4 read the file step 1 wrote through Quire: Quire through read-only handles, the
// plain baseline through a read-only handle of its own, both over the OS page cache.
//
// Timing: only the I/O calls are timed (Stopwatch timestamps around them); generating and
// checking the pattern is not. Ratios are Quire's throughput over the plain I/O's in the same
// run, which a noisy machine disturbs less than absolute times.
// Single-threaded; not thread-safe. Guards: (I) immutable; (R) used only by the thread in Run.
// Invariant: a step returns only after checking every byte it read, so a figure is never printed
// for wrong data.

using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Spectre.Console;
using static System.FormattableString;

namespace Quire.Cli.Demo;

internal sealed class DemoScenario
{
    // 3 passes: enough that one pass disturbed by another process does not set the figure, few
    // enough that the default run stays short. Each pass reads the whole file.
    private const int SequentialReadPasses = 3;

    // 4 rounds, alternating Quire and plain, so a slow spell of the machine hits both sides.
    private const int RandomReadRounds = 4;

    private const long MiB = 1 << 20;

    private readonly IAnsiConsole _console; // (I)
    private readonly DemoSettings _settings; // (I)
    private readonly SeededPattern _pattern; // (I)
    private readonly DemoReport _report; // (I)
    private long _verifiedBytes; // (R) bytes checked against the pattern so far

    public DemoScenario(IAnsiConsole console, DemoSettings settings)
    {
        _console = console;
        _settings = settings;
        _pattern = new SeededPattern(settings.Seed);
        _report = new DemoReport(console);
    }

    /// <summary>Runs every step and deletes what it created, even when a step fails.</summary>
    /// <exception cref="PatternMismatchException">A read returned bytes that were not written there.</exception>
    /// <exception cref="IOException">A file could not be created, written or read, or there is not enough free space.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public void Run(CancellationToken cancellationToken)
    {
        bool ownsDirectory = _settings.Directory is null;
        string directory = _settings.Directory
            ?? Path.Combine(Directory.Exists("/var/tmp") ? "/var/tmp" : Path.GetTempPath(), "quire-demo-" + Guid.NewGuid().ToString("N"));
        var files = new DemoFiles(directory, ownsDirectory);
        try
        {
            if (ownsDirectory)
            {
                Directory.CreateDirectory(directory);
            }

            RequireFreeSpace(directory);
            PrintHeader(directory, ownsDirectory);
            using var cache = new PageCache(new PageCacheOptions
            {
                MemoryLimitBytes = _settings.MemoryLimitBytes,
                PageSize = _settings.PageSize,
            });
            WriteSequentially(cache, files, cancellationToken);

            using CachedFile randomReader = cache.Open(files.CachedPath, FileMode.Open, FileAccess.Read);
            using CachedFile sequentialReader = cache.Open(files.CachedPath, FileMode.Open, FileAccess.Read);
            using SafeFileHandle plainReader = File.OpenHandle(files.CachedPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            ReadHotSetAtRandom(cache, randomReader, plainReader, cancellationToken);
            ReadSequentially(cache, sequentialReader, plainReader, cancellationToken);
            AdviseDontNeed(cache, sequentialReader);
            _console.WriteLine(Invariant(
                $"Verified: all {_verifiedBytes} bytes read back ({(double)_verifiedBytes / MiB:F1} MiB, through Quire and plain reads) matched the pattern written with seed {_settings.Seed}."));
        }
        finally
        {
            files.Delete(_console);
        }
    }

    private void RequireFreeSpace(string directory)
    {
        // Two files of the demo's size, and a pool's worth of slack for the file system's metadata.
        long neededBytes = (2 * _settings.FileBytes) + _settings.MemoryLimitBytes;
        long freeBytes = new DriveInfo(directory).AvailableFreeSpace;
        if (freeBytes < neededBytes)
        {
            throw new IOException(Invariant(
                $"The directory '{directory}' has {freeBytes / MiB} MiB free, but the demo writes two files of {_settings.FileBytes / MiB} MiB; use --directory or a smaller --file-mb."));
        }
    }

    private void PrintHeader(string directory, bool ownsDirectory)
    {
        _console.Write(new Rule("[bold]Quire demo[/]").LeftJustified());
        _console.WriteLine(Invariant(
            $"Pool: {_settings.MemoryLimitBytes / MiB} MiB ({_settings.MemoryLimitBytes / _settings.PageSize} frames of {_settings.PageSize} bytes). File: {_settings.FileBytes / MiB} MiB ({(double)_settings.FileBytes / _settings.MemoryLimitBytes:0.#}x the pool). Pattern seed: {_settings.Seed}."));
        _console.WriteLine(ownsDirectory
            ? $"Directory: {directory} (new, deleted afterwards)"
            : $"Directory: {directory} (the demo's files are deleted afterwards)");
        if (typeof(PageCache).Assembly.GetCustomAttribute<DebuggableAttribute>() is { IsJITOptimizerDisabled: true })
        {
            _console.WriteLine("Quire is a Debug build here: its invariant checks slow it down. Build with -c Release for representative figures.");
        }

        _console.WriteLine("Only the I/O calls are timed. Ratios are Quire's throughput over plain RandomAccess calls in the same run: above 1 means Quire is faster.");
        _console.WriteLine();
    }

    private void WriteSequentially(PageCache cache, DemoFiles files, CancellationToken cancellationToken)
    {
        _report.Section(
            "1. Sequential write",
            Invariant($"{_settings.FileBytes / MiB} MiB in 64 KiB writes, then a durable flush: CachedFile.Write and Flush against RandomAccess.Write and FlushToDisk. The file is larger than the pool, so the cache writes dirty pages back and evicts them while the writer runs."));
        long quireWriteTicks = 0;
        long quireFlushTicks = 0;
        PageCacheStatistics afterFlush;
        using (CachedFile file = cache.Open(files.CachedPath, FileMode.CreateNew))
        {
            files.CreatedCached = true;
            _report.RunPhase("Writing through Quire", _settings.FileBytes, advance =>
            {
                quireWriteTicks = WriteWholeFile((fileOffset, chunk) => file.Write(fileOffset, chunk), advance, cancellationToken);
                quireFlushTicks = Time(file.Flush);
            });
            afterFlush = cache.GetStatistics();
            RequireLength(file.Length, "Quire's handle");
        }

        RequireLength(new FileInfo(files.CachedPath).Length, "The file written through Quire");
        long plainWriteTicks = 0;
        long plainFlushTicks = 0;
        using (SafeFileHandle plain = File.OpenHandle(files.PlainPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
        {
            files.CreatedPlain = true;
            _report.RunPhase("Writing through RandomAccess", _settings.FileBytes, advance =>
            {
                plainWriteTicks = WriteWholeFile((fileOffset, chunk) => RandomAccess.Write(plain, chunk, fileOffset), advance, cancellationToken);
                plainFlushTicks = Time(() => RandomAccess.FlushToDisk(plain));
            });
            RequireLength(RandomAccess.GetLength(plain), "The plain file");
        }

        _report.WriteThroughputTable(
            ["Write calls", "Flush"],
            new DemoReport.Measurement("Quire", _settings.FileBytes, [quireWriteTicks, quireFlushTicks]),
            new DemoReport.Measurement("Plain RandomAccess", _settings.FileBytes, [plainWriteTicks, plainFlushTicks]));
        _report.WriteStatistics(
            "What the cache did",
            ("WriteIos", Invariant($"{afterFlush.WriteIos}")),
            ("AverageWriteBytes", Invariant($"{afterFlush.AverageWriteBytes:F0}")),
            ("Evictions", Invariant($"{afterFlush.Evictions}")),
            ("DurableFlushes", Invariant($"{afterFlush.DurableFlushes}")));
        PageCacheStatistics afterClose = cache.GetStatistics();
        _console.WriteLine(Invariant(
            $"The cache wrote {afterFlush.PagesWritten} pages in {afterFlush.WriteIos} vectored writes ({afterFlush.AverageWriteBytes / 1024:F0} KiB each on average) and evicted {afterFlush.Evictions} clean pages to make room. It made written pages durable {afterFlush.DurableFlushes} times: a page written back but not yet durable is not evicted. Closing the handle released the file's pages: {afterClose.FreeFrames} of {afterClose.FrameCount} frames are free."));
        _console.WriteLine();
    }

    private void ReadHotSetAtRandom(PageCache cache, CachedFile quire, SafeFileHandle plain, CancellationToken cancellationToken)
    {
        long hotSetBytes = _settings.HotSetBytes;
        int readCount = _settings.RandomReadCount;
        _report.Section(
            "2. Random 4 KiB reads of a hot set",
            Invariant($"{readCount} reads at random 4 KiB-aligned offsets in the first {hotSetBytes / 1024} KiB of the file (a quarter of the pool), after one pass to warm both caches: CachedFile.Read from Quire's pool against RandomAccess.Read from the OS page cache."));

        // Warm-up: bring the hot set into the pool (and check it), and read it once plainly.
        VerifyRange(quire, plain, hotSetBytes, cancellationToken);

        long randomReadPages = hotSetBytes / DemoSettings.RandomReadBytes;
        var random = new Random(_settings.Seed);
        long[] fileOffsets = new long[readCount];
        for (int i = 0; i < fileOffsets.Length; i++)
        {
            fileOffsets[i] = random.NextInt64(randomReadPages) * DemoSettings.RandomReadBytes;
        }

        long quireTicks = 0;
        long plainTicks = 0;
        PageCacheStatistics before = cache.GetStatistics();
        PageCacheStatistics after = before;
        _report.RunPhase("Reading at random", 2L * readCount, advance =>
        {
            (quireTicks, plainTicks) = ReadAtRandom(quire, plain, fileOffsets, advance, cancellationToken);
            after = cache.GetStatistics();
        });

        // Then check the whole hot set through Quire again, now from the pool.
        VerifyRange(quire, plain: null, hotSetBytes, cancellationToken);
        _report.WriteOperationsTable(
            new DemoReport.Measurement("Quire", readCount, [quireTicks]),
            new DemoReport.Measurement("Plain RandomAccess", readCount, [plainTicks]));
        long hits = after.Hits - before.Hits;
        long misses = after.Misses - before.Misses;
        double hitRatio = hits + misses == 0 ? 0 : (double)hits / (hits + misses);
        _console.WriteLine(Invariant($"Quire's hit ratio in the timed reads: {hitRatio:P2} ({hits} hits, {misses} misses)."));
        _console.WriteLine();
    }

    private void ReadSequentially(PageCache cache, CachedFile quire, SafeFileHandle plain, CancellationToken cancellationToken)
    {
        _report.Section(
            "3. Sequential read",
            Invariant($"The whole {_settings.FileBytes / MiB} MiB file in 64 KiB reads, CachedFile.Read against RandomAccess.Read, best of {SequentialReadPasses} passes. The file does not fit in the pool, so Quire misses and reads ahead; both sides read from the OS page cache, which still holds the file."));
        long bestQuireTicks = long.MaxValue;
        long bestPlainTicks = long.MaxValue;
        PageCacheStatistics before = cache.GetStatistics();
        PageCacheStatistics after = before;
        _report.RunPhase("Reading sequentially", 2L * SequentialReadPasses * _settings.FileBytes, advance =>
        {
            for (int pass = 0; pass < SequentialReadPasses; pass++)
            {
                bestQuireTicks = Math.Min(bestQuireTicks, ReadWholeFile((fileOffset, buffer) => quire.Read(fileOffset, buffer), "Quire", advance, cancellationToken));
                after = cache.GetStatistics();
                bestPlainTicks = Math.Min(bestPlainTicks, ReadWholeFile((fileOffset, buffer) => RandomAccess.Read(plain, buffer, fileOffset), "RandomAccess.Read", advance, cancellationToken));
            }
        });

        _report.WriteThroughputTable(
            ["Best pass"],
            new DemoReport.Measurement("Quire", _settings.FileBytes, [bestQuireTicks]),
            new DemoReport.Measurement("Plain RandomAccess", _settings.FileBytes, [bestPlainTicks]));
        long readIos = after.ReadIos - before.ReadIos;
        long pagesRead = after.PagesRead - before.PagesRead;
        long readAheadPages = after.ReadAheadPages - before.ReadAheadPages;
        _report.WriteStatistics(
            Invariant($"What the cache did in {SequentialReadPasses} passes"),
            ("ReadIos", Invariant($"{readIos}")),
            ("ReadAheadPages", Invariant($"{readAheadPages}")),
            ("PagesRead", Invariant($"{pagesRead}")),
            ("Hits", Invariant($"{after.Hits - before.Hits}")),
            ("Misses", Invariant($"{after.Misses - before.Misses}")));
        double pagesPerIo = readIos == 0 ? 0 : (double)pagesRead / readIos;
        _console.WriteLine(Invariant(
            $"Read-ahead turned {_settings.FileBytes / DemoSettings.ChunkBytes * SequentialReadPasses} reads of 64 KiB into {readIos} read I/Os of {pagesPerIo:F1} pages on average; {readAheadPages} of the {pagesRead} pages read were read ahead of the reader."));
        _console.WriteLine();
    }

    private void AdviseDontNeed(PageCache cache, CachedFile quire)
    {
        _report.Section("4. Advice: DontNeed", "FileAdvice.DontNeed on the whole file drops its clean pages at once instead of leaving them to reclaim.");
        PageCacheStatistics before = cache.GetStatistics();
        quire.Advise(0, quire.Length, FileAdvice.DontNeed);
        PageCacheStatistics after = cache.GetStatistics();
        _console.WriteLine(Invariant($"FreeFrames before: {before.FreeFrames} of {before.FrameCount}; after: {after.FreeFrames} of {after.FrameCount}."));
        _console.WriteLine();
        _report.WriteAllStatistics("Final statistics", after);
    }

    /// <summary>
    /// Writes the pattern over the whole file in chunks through <paramref name="write"/>.
    /// Returns the Stopwatch ticks spent in the write calls (not in generating the pattern).
    /// </summary>
    private long WriteWholeFile(Action<long, byte[]> write, Action<long> advance, CancellationToken cancellationToken)
    {
        byte[] chunk = new byte[DemoSettings.ChunkBytes];
        long ticks = 0;
        for (long fileOffset = 0; fileOffset < _settings.FileBytes; fileOffset += chunk.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _pattern.Fill(fileOffset, chunk);
            long start = Stopwatch.GetTimestamp();
            write(fileOffset, chunk);
            ticks += Stopwatch.GetTimestamp() - start;
            advance(chunk.Length);
        }

        return ticks;
    }

    /// <summary>
    /// Reads 4 KiB at each of <paramref name="fileOffsets"/> through Quire and plainly, in rounds that
    /// alternate the two, and returns the ticks each side spent. The timed loops keep only a sum of
    /// each read's first word; the two sums must agree.
    /// </summary>
    private static (long QuireTicks, long PlainTicks) ReadAtRandom(CachedFile quire, SafeFileHandle plain, long[] fileOffsets, Action<long> advance, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[DemoSettings.RandomReadBytes];
        long quireTicks = 0;
        long plainTicks = 0;
        ulong quireSum = 0;
        ulong plainSum = 0;
        int roundLength = (fileOffsets.Length + RandomReadRounds - 1) / RandomReadRounds;
        for (int first = 0; first < fileOffsets.Length; first += roundLength)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ReadOnlySpan<long> round = fileOffsets.AsSpan(first, Math.Min(roundLength, fileOffsets.Length - first));
            long start = Stopwatch.GetTimestamp();
            foreach (long fileOffset in round)
            {
                RequireFullRead(quire.Read(fileOffset, buffer), buffer.Length, fileOffset, "Quire");
                quireSum += MemoryMarshal.Read<ulong>(buffer);
            }

            long middle = Stopwatch.GetTimestamp();
            foreach (long fileOffset in round)
            {
                RequireFullRead(RandomAccess.Read(plain, buffer, fileOffset), buffer.Length, fileOffset, "RandomAccess.Read");
                plainSum += MemoryMarshal.Read<ulong>(buffer);
            }

            plainTicks += Stopwatch.GetTimestamp() - middle;
            quireTicks += middle - start;
            advance(2L * round.Length);
        }

        if (quireSum != plainSum)
        {
            throw new PatternMismatchException(Invariant(
                $"The same {fileOffsets.Length} random reads returned different bytes through Quire and through RandomAccess.Read (first-word sums 0x{quireSum:X16} and 0x{plainSum:X16})."));
        }

        return (quireTicks, plainTicks);
    }

    private static long Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetTimestamp() - start;
    }

    /// <summary>
    /// Reads the whole file in chunks, checking each against the pattern outside the timed calls.
    /// Returns the Stopwatch ticks spent in the read calls.
    /// </summary>
    private long ReadWholeFile(Func<long, byte[], int> read, string source, Action<long> advance, CancellationToken cancellationToken)
    {
        byte[] chunk = new byte[DemoSettings.ChunkBytes];
        long ticks = 0;
        for (long fileOffset = 0; fileOffset < _settings.FileBytes; fileOffset += chunk.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            int byteCount = read(fileOffset, chunk);
            ticks += Stopwatch.GetTimestamp() - start;
            RequireFullRead(byteCount, chunk.Length, fileOffset, source);
            _pattern.Verify(fileOffset, chunk, source);
            _verifiedBytes += byteCount;
            advance(byteCount);
        }

        return ticks;
    }

    /// <summary>Reads the first <paramref name="byteCount"/> bytes through Quire (and plainly, if given) and checks them.</summary>
    private void VerifyRange(CachedFile quire, SafeFileHandle? plain, long byteCount, CancellationToken cancellationToken)
    {
        byte[] chunk = new byte[DemoSettings.ChunkBytes];
        for (long fileOffset = 0; fileOffset < byteCount; fileOffset += chunk.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Span<byte> span = chunk.AsSpan(0, (int)Math.Min(chunk.Length, byteCount - fileOffset));
            RequireFullRead(quire.Read(fileOffset, span), span.Length, fileOffset, "Quire");
            _pattern.Verify(fileOffset, span, "Quire");
            _verifiedBytes += span.Length;
            if (plain is not null)
            {
                RequireFullRead(RandomAccess.Read(plain, span, fileOffset), span.Length, fileOffset, "RandomAccess.Read");
                _pattern.Verify(fileOffset, span, "RandomAccess.Read");
                _verifiedBytes += span.Length;
            }
        }
    }

    private static void RequireFullRead(int byteCount, int expectedByteCount, long fileOffset, string source)
    {
        if (byteCount != expectedByteCount)
        {
            throw new PatternMismatchException(Invariant(
                $"{source} returned {byteCount} bytes at file offset {fileOffset}, but {expectedByteCount} were written there."));
        }
    }

    private void RequireLength(long length, string what)
    {
        if (length != _settings.FileBytes)
        {
            throw new PatternMismatchException(Invariant(
                $"{what} has a length of {length} bytes, but {_settings.FileBytes} bytes were written."));
        }
    }
}
