// Proves the cache behaves exactly like a plain file: seeded random sequences of writes, reads,
// truncates, extensions, flushes, evictions, advice, leases and handle churn on several files
// through a tiny pool (so pages are evicted and re-read constantly), checked after every step
// against an in-memory model of each file, and at the end the stores hold the model's bytes.
// A failure names its seed and step; set QUIRE_SEED to replay one seed.

using Quire.Testing;
using Quire.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Quire.Tests.Simulation;

public sealed class DifferentialTests(ITestOutputHelper output)
{
    private const int DefaultSeedCount = 40;
    private const int StepsPerSeed = 1500;

    public static TheoryData<int, int> Configurations => new()
    {
        { 4096, 24 },   // 24 frames: eviction every few operations
        { 16384, 12 },  // larger pages: more partial-page and sector work
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void RandomOperationsOverMemoryStoresMatchTheModel(int pageSize, int frameCount)
    {
        foreach (ulong seed in Seeds())
        {
            var stores = new List<MemoryBackingStore>();
            Run(seed, pageSize, frameCount, StepsPerSeed, cache =>
            {
                var store = new MemoryBackingStore($"file{stores.Count}");
                stores.Add(store);
                return (cache.Open(store), () => cache.Open(store), store.ToArray);
            });
        }
    }

    [Fact]
    public void RandomOperationsOverRealFilesMatchTheModel()
    {
        using var directory = new TempDirectory();
        foreach (ulong seed in Seeds().Take(4))
        {
            int index = 0;
            Run(seed, 4096, 24, 800, cache =>
            {
                string path = directory.File($"seed{seed}-file{index++}");
                return (cache.Open(path, FileMode.Create), () => cache.Open(path), () => RawFile.ReadAllBytes(path));
            });
        }
    }

    internal static IEnumerable<ulong> Seeds()
    {
        string? replay = Environment.GetEnvironmentVariable("QUIRE_SEED");
        if (replay is not null)
        {
            yield return ulong.Parse(replay, System.Globalization.CultureInfo.InvariantCulture);
            yield break;
        }

        for (ulong seed = 1; seed <= DefaultSeedCount; seed++)
        {
            yield return seed;
        }
    }

    internal void Run(ulong seed, int pageSize, int frameCount, int steps, Func<PageCache, (CachedFile Handle, Func<CachedFile> Reopen, Func<byte[]> Durable)> openFile)
    {
        var random = new SeededRandom(seed);
        var options = new PageCacheOptions
        {
            MemoryLimitBytes = (long)pageSize * frameCount,
            PageSize = pageSize,
            MinFreeFrames = 2,
            MaxReadAheadBytes = pageSize * 4,
            MaxClusterBytes = pageSize * 4,
            MaxFrameWait = TimeSpan.FromSeconds(10),
            StartPageWriter = false, // deterministic: only flushes and reclaim write
        };
        var cache = new PageCache(options);
        var files = new List<SimulatedFile>();
        for (int i = 0; i < 3; i++)
        {
            (CachedFile handle, Func<CachedFile> reopen, Func<byte[]> durable) = openFile(cache);
            files.Add(new SimulatedFile(handle, reopen, durable));
        }

        string operation = "start";
        int step = 0;
        try
        {
            for (step = 0; step < steps; step++)
            {
                SimulatedFile file = files[random.Next(files.Count)];
                operation = Step(random, file, pageSize);
                Assert.Equal(file.Model.Length, file.Handle.Length);
            }

            foreach (SimulatedFile file in files)
            {
                operation = "final flush";
                file.Handle.Flush();
                Assert.Equal(file.Model.Content.ToArray(), file.Durable());
                file.Handle.Dispose();
                file.Extra?.Dispose();
            }

            cache.Dispose();
        }
        catch (Exception e)
        {
            output.WriteLine($"seed {seed} failed at step {step} ({operation}); replay with QUIRE_SEED={seed}");
            throw new InvalidOperationException($"Seed {seed}, page size {pageSize}, {frameCount} frames: step {step} ({operation}) failed: {e.Message}", e);
        }
    }

    private static string Step(SeededRandom random, SimulatedFile file, int pageSize)
    {
        const long maxFileBytes = 400_000;
        int dice = random.Next(100);
        switch (dice)
        {
            case < 30:
                {
                    long offset = RandomOffset(random, maxFileBytes, pageSize);
                    int length = RandomLength(random, pageSize);
                    var data = new byte[length];
                    random.Fill(data);
                    file.Handle.Write(offset, data);
                    file.Model.Write(offset, data);
                    return $"write {length} at {offset}";
                }

            case < 60:
                {
                    long offset = RandomOffset(random, maxFileBytes + pageSize, pageSize);
                    int length = RandomLength(random, pageSize);
                    var buffer = new byte[length];
                    int read = random.Chance(20)
                        ? file.Handle.ReadAsync(offset, buffer).AsTask().GetAwaiter().GetResult()
                        : file.Handle.Read(offset, buffer);
                    ReadOnlySpan<byte> expected = file.Model.Read(offset, length);
                    Assert.Equal(expected.Length, read);
                    AssertEqualBytes(expected, buffer.AsSpan(0, read), offset);
                    return $"read {length} at {offset}";
                }

            case < 66:
                {
                    long length = random.Chance(50) ? random.Next(0, file.Model.Length + 1) : random.Next(0, maxFileBytes);
                    file.Handle.SetLength(length);
                    file.Model.SetLength(length);
                    return $"set length {length}";
                }

            case < 72:
                {
                    file.Handle.Flush();
                    Assert.Equal(file.Model.Content.ToArray(), file.Durable());
                    return "flush";
                }

            case < 77:
                {
                    long offset = RandomOffset(random, maxFileBytes, pageSize);
                    long count = random.Next(0, pageSize * 8);
                    file.Handle.Advise(offset, count, FileAdvice.DontNeed);
                    return $"don't need {count} at {offset}";
                }

            case < 80:
                {
                    var advice = (FileAdvice)random.Next(4);
                    file.Handle.Advise(RandomOffset(random, maxFileBytes, pageSize), random.Next(0, pageSize * 4), advice);
                    return $"advise {advice}";
                }

            case < 86:
                {
                    if (file.Model.Length == 0)
                    {
                        return "pin (empty file)";
                    }

                    long offset = random.Next(0, file.Model.Length);
                    int room = (int)Math.Min(pageSize - (offset % pageSize), file.Model.Length - offset);
                    int length = 1 + random.Next(room);
                    using PageLease lease = file.Handle.Pin(offset, length);
                    AssertEqualBytes(file.Model.Read(offset, length), lease.Span, offset);
                    return $"pin {length} at {offset}";
                }

            case < 92:
                {
                    long offset = RandomOffset(random, maxFileBytes, pageSize);
                    int length = 1 + random.Next((int)(pageSize - (offset % pageSize)));
                    var data = new byte[length];
                    random.Fill(data);
                    using (WritablePageLease lease = file.Handle.PinForWrite(offset, length))
                    {
                        AssertEqualBytes(file.Model.Read(offset, length), lease.Span[..(int)Math.Clamp(file.Model.Length - offset, 0, length)], offset);
                        data.CopyTo(lease.Span);
                    }

                    file.Model.Write(offset, data);
                    return $"write lease {length} at {offset}";
                }

            case < 96:
                {
                    // Handle churn: a second handle opens and closes; the file object is shared.
                    if (file.Extra is null)
                    {
                        file.Extra = file.Reopen();
                        Assert.Equal(file.Model.Length, file.Extra.Length);
                        return "open second handle";
                    }

                    file.Extra.Dispose();
                    file.Extra = null;
                    return "close second handle";
                }

            default:
                {
                    long offset = RandomOffset(random, maxFileBytes, pageSize);
                    int length = RandomLength(random, pageSize);
                    var data = new byte[length];
                    random.Fill(data);
                    file.Handle.WriteAsync(offset, data).AsTask().GetAwaiter().GetResult();
                    file.Model.Write(offset, data);
                    return $"write async {length} at {offset}";
                }
        }
    }

    /// <summary>Offsets favour page and sector boundaries, where the edge cases live.</summary>
    private static long RandomOffset(SeededRandom random, long max, int pageSize) => random.Next(4) switch
    {
        0 => random.Next(0, max / pageSize) * pageSize,
        1 => random.Next(0, max / 512) * 512,
        2 => (random.Next(1, max / pageSize) * pageSize) - random.Next(1, 600),
        _ => random.Next(0, max),
    };

    private static int RandomLength(SeededRandom random, int pageSize) => (int)(random.Next(5) switch
    {
        0 => random.Next(1, 513),
        1 => 512 * random.Next(1, 17),
        2 => pageSize * random.Next(1, 6),
        3 => random.Next(0, pageSize * 3),
        _ => random.Next(1, 64),
    });

    private static void AssertEqualBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, long fileOffset)
    {
        Assert.Equal(expected.Length, actual.Length);
        int mismatch = expected.CommonPrefixLength(actual);
        if (mismatch < expected.Length)
        {
            Assert.Fail($"Byte at file offset {fileOffset + mismatch} is {actual[mismatch]}, the model says {expected[mismatch]}.");
        }
    }

    private sealed class SimulatedFile(CachedFile handle, Func<CachedFile> reopen, Func<byte[]> durable)
    {
        public CachedFile Handle { get; } = handle;

        public Func<CachedFile> Reopen { get; } = reopen;

        public Func<byte[]> Durable { get; } = durable;

        public FileModel Model { get; } = new();

        public CachedFile? Extra { get; set; }
    }
}
