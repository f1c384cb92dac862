// FasterWorkload: the work every FASTER engine does, phase by phase: load (upsert every key in
// order, then flush the log to the device), YCSB-like mixes of reads and updates over scrambled
// zipfian keys (50/50, then 95/5), a full checkpoint (index and log), then a restart: the store and its device
// are closed, the files' pages dropped from the OS page cache, a new store recovers from the
// checkpoint, and uniform random reads run with nothing cached (cold reads). Seeded, so every engine
// does the same operations; every read checks it got its key's record, and the counts of records
// found go into the results every engine must match.
//
// One session on one thread, as FASTER's own YCSB benchmark runs a thread: reads that go pending
// (the device) are left outstanding up to MaxPendingReads, then completed together.

using System.Numerics;
using System.Runtime.InteropServices;
using FASTER.core;
using Microsoft.Win32.SafeHandles;

namespace Quire.ClientBenchmarks.FasterClient;

internal static partial class FasterWorkload
{
    private const int Seed = 20261207; // any fixed value: every engine must draw the same keys

    // POSIX_FADV_DONTNEED: the kernel drops the file's clean cached pages.
    private const int FadviseDontNeed = 4;

    /// <summary>Runs every phase in <paramref name="directory"/>; <paramref name="open"/> builds the engine's device (called again for the restart).</summary>
    public static EngineRun Run(string engine, FasterWorkloadSize size, string directory, Func<FasterSetup> open)
    {
        FasterSetup setup = open();
        var clock = new PhaseClock(setup.Statistics);
        var random = new Random(Seed);
        var keys = new ZipfianKeys(size.Records);
        var results = new Dictionary<string, long>();
        string checkpoints = Path.Combine(directory, "checkpoints");

        var functions = new PayloadFunctions();
        FasterKV<long, Payload> store = NewStore(size, setup, checkpoints);
        var session = store.For(functions).NewSession<PayloadFunctions>();
        clock.Start();

        for (long key = 0; key < size.Records; key++)
        {
            var payload = new Payload { Key = key };
            session.Upsert(ref key, ref payload);
        }

        session.CompletePending(wait: true);
        store.Log.Flush(wait: true);
        clock.Lap("load", size.Records);

        results["50/50 reads found"] = Mix(session, functions, keys, random, size, readPercent: 50);
        clock.Lap("50/50", size.MixOperations);
        results["95/5 reads found"] = Mix(session, functions, keys, random, size, readPercent: 95);
        clock.Lap("95/5", size.MixOperations);

        // A full checkpoint (index and log): recovery then reads the index and the log's tail, not
        // the whole log, so the reads after it are cold for every engine.
        (bool checkpointed, Guid _) = store.TakeFullCheckpointAsync(CheckpointType.FoldOver).AsTask().GetAwaiter().GetResult();
        Check(checkpointed, "the checkpoint failed");
        clock.Lap("checkpoint", 1);

        session.Dispose();
        store.Dispose();
        setup.Close();
        DropOsPageCache(directory);

        setup = open();
        var restartClock = new PhaseClock(setup.Statistics);
        var coldFunctions = new PayloadFunctions();
        store = NewStore(size, setup, checkpoints);
        restartClock.Start();
        store.Recover();
        session = store.For(coldFunctions).NewSession<PayloadFunctions>();
        restartClock.Lap("recover", 1);
        results["cold reads found"] = ColdReads(session, coldFunctions, random, size);
        restartClock.Lap("cold reads", size.ColdReads);

        session.Dispose();
        store.Dispose();
        setup.Close();
        return new EngineRun(engine, [.. clock.Phases, .. restartClock.Phases], results);
    }

    /// <summary>Throws unless a read returned its key's record: every engine's reads are checked.</summary>
    public static void Check(long key, in Payload payload) =>
        Check(payload.Key == key, $"a read of key {key} returned the record of key {payload.Key}");

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }

    private static FasterKV<long, Payload> NewStore(FasterWorkloadSize size, FasterSetup setup, string checkpoints) => new(
        // One hash bucket per 4 records (a bucket holds 7 entries): few overflow buckets.
        long.Max(1 << 10, (long)BitOperations.RoundUpToPowerOf2((ulong)size.Records / 4)),
        new LogSettings
        {
            LogDevice = setup.Device,
            PageSizeBits = size.PageSizeBits,
            MemorySizeBits = size.MemorySizeBits,
            SegmentSizeBits = size.SegmentSizeBits,
            ReadCacheSettings = setup.ReadCache,
        },
        new CheckpointSettings { CheckpointDir = checkpoints });

    /// <summary>Reads and updates zipfian keys; returns the reads that found their record (all of them, every key exists).</summary>
    private static long Mix(ClientSession<long, Payload, Payload, Payload, Empty, PayloadFunctions> session, PayloadFunctions functions, ZipfianKeys keys, Random random, FasterWorkloadSize size, int readPercent)
    {
        long found = 0;
        long pendingFoundBefore = functions.PendingFound;
        int pending = 0;
        for (long operation = 0; operation < size.MixOperations; operation++)
        {
            long key = keys.Next(random);
            if (random.Next(100) < readPercent)
            {
                found += Read(session, key, ref pending, size.MaxPendingReads);
            }
            else
            {
                var payload = new Payload { Key = key, Version = operation };
                session.Upsert(ref key, ref payload);
            }
        }

        session.CompletePending(wait: true);
        return found + functions.PendingFound - pendingFoundBefore;
    }

    private static long ColdReads(ClientSession<long, Payload, Payload, Payload, Empty, PayloadFunctions> session, PayloadFunctions functions, Random random, FasterWorkloadSize size)
    {
        long found = 0;
        int pending = 0;
        for (long read = 0; read < size.ColdReads; read++)
        {
            found += Read(session, random.NextInt64(size.Records), ref pending, size.MaxPendingReads);
        }

        session.CompletePending(wait: true);
        return found + functions.PendingFound;
    }

    /// <summary>Reads one key: 1 when it completed at once and found the record; a pending read is counted by <see cref="PayloadFunctions"/>.</summary>
    private static long Read(ClientSession<long, Payload, Payload, Payload, Empty, PayloadFunctions> session, long key, ref int pending, int maxPending)
    {
        Payload output = default;
        Status status = session.Read(ref key, ref output);
        if (status.IsPending)
        {
            if (++pending >= maxPending)
            {
                session.CompletePending(wait: true);
                pending = 0;
            }

            return 0;
        }

        Check(status.Found, $"key {key} was not found");
        Check(key, output);
        return 1;
    }

    /// <summary>Drops the OS page cache's pages of every file the run wrote, as a restart of the machine would; a Quire pool is gone with its process already.</summary>
    private static void DropOsPageCache(string directory)
    {
        foreach (string path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            int error = PosixFadvise((int)handle.DangerousGetHandle(), 0, 0, FadviseDontNeed);
            Check(error == 0, $"posix_fadvise(DONTNEED) of '{path}' failed with error {error}");
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fileDescriptor, long offset, long length, int advice);
}
