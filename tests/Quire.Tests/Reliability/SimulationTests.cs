// Proves, by deterministic simulation (RELIABILITY H4), that random workloads on several files
// through a tiny pool stay correct while the device fails at random: writes, reads, truncates,
// extensions, flushes, cache-wide flushes, advice, leases and stepped page-writer passes on a
// manual clock, against fault schedules drawn per seed (transient, fractional and persistent
// faults of every kind, a Linux or BSD failed-flush personality per file, healing at random).
// After every step: sizes equal the models; an error only where a fault fired (I4), judged from the
// stores' own counts of fired faults, not from the cache: an operation's error needs a fault on
// that file during that operation, a flush's write error a write, flush or size-change fault on
// that file since the handle last reported one (so no error is invented and none is reported twice);
// no error is swallowed, again judged from the stores alone: a flush that returns must not follow
// a write or durable-flush fault that started an error epoch after the handle last reported one or
// opened (a fault starts an epoch when the file was healthy, as after a flush that returned);
// each handle hears of every error epoch the cache started (I5); a flush that returned left the
// model on the durable image (I3); the idle cache holds no frame (I7); and at random steps many
// simulated power cuts keep every flushed byte (I10). At the end the device heals, the page writer alone makes everything
// durable within bounded virtual time (I9), and the disks equal the models. A failure prints its
// seed; QUIRE_SEED=n replays it, QUIRE_LONG_RUN=1 runs the long range, QUIRE_SIM_SEEDS=n sets the count.

using Quire.Internal;
using Quire.Testing;
using Quire.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Quire.Tests.Reliability;

[Collection("Writeback")]
public sealed class SimulationTests(ITestOutputHelper output)
{
    private const int PageSize = 4096;
    private const long MaxFileBytes = 96 * PageSize;
    private const int MaxChangesForCrashCheck = 48; // a crash check costs time in proportion to the writes since the last flush

    [Fact]
    public void RandomWorkloadsWithRandomFaultsKeepEveryPromise()
    {
        int seedCount = Environment.GetEnvironmentVariable("QUIRE_SIM_SEEDS") is { } seedText
            ? int.Parse(seedText, System.Globalization.CultureInfo.InvariantCulture)
            : ReliabilityReport.Scale(50, 2000);
        int steps = ReliabilityReport.Scale(1000, 5000);
        IEnumerable<ulong> seeds = ReliabilityReport.ReplaySeed is { } replay ? [replay] : Enumerable.Range(1, seedCount).Select(s => (ulong)s);
        var totals = new SimulationTotals();
        foreach (ulong seed in seeds)
        {
            try
            {
                new Simulation(seed, totals, PlantedBugs.None).Run(steps);
            }
            catch (Exception e)
            {
                output.WriteLine($"seed {seed} failed; replay with QUIRE_SEED={seed}");
                throw new InvalidOperationException($"Simulation seed {seed} failed (replay: QUIRE_SEED={seed} scripts/test --filter SimulationTests): {e.Message}", e);
            }

            totals.Seeds++;
        }

        ReliabilityReport.Record(output, "simulation", totals.ToString());
        totals.AssertMinimums(ReliabilityReport.ReplaySeed is null ? seedCount : 0);
    }

    internal sealed class SimulationTotals
    {
        public long Seeds { get; set; }

        public long Operations { get; set; }

        public long ReadFaults { get; set; }

        public long WriteFaults { get; set; }

        public long FlushFaults { get; set; }

        public long SetLengthFaults { get; set; }

        public long NoSpaceFaults { get; set; }

        public long ShortWrites { get; set; }

        public long ErrorsReported { get; set; }

        public long EpochReports { get; set; }

        /// <summary>Flushes that threw when the stores' logs alone said an epoch was owed to the handle.</summary>
        public long IndependentEpochReports { get; set; }

        public long CrashStates { get; set; }

        public long SuccessfulFlushes { get; set; }

        public long HealedDrains { get; set; }

        public long CrashChecksSkipped { get; set; }

        public long MaxDrainPasses { get; set; }

        /// <summary>
        /// A run that checked little fails: every seed ran its operations, and a range of at least
        /// 50 seeds fired every class of fault and reported, verified and crashed at least a quarter
        /// of what the default 50 seeds do (read 883, write 9,018, flush 787, size change 718,
        /// ENOSPC 2,668, short writes 2,897; 3,456 errors, 4,603 flushes, 7,752 crash states; 599
        /// epochs the stores' fault logs alone said a handle was owed, reported).
        /// </summary>
        public void AssertMinimums(int seedRange)
        {
            Assert.True(Seeds > 0 && Operations >= Seeds, $"The simulation ran {Seeds} seeds and {Operations} operations: nothing was checked.");
            if (seedRange < 50)
            {
                return; // a replay or a short range: no per-class figure is expected of it
            }

            double scale = seedRange / 50.0;
            (string Name, long Count, long Minimum)[] figures =
            [
                ("read faults", ReadFaults, 220), ("write faults", WriteFaults, 2250), ("flush faults", FlushFaults, 195),
                ("size-change faults", SetLengthFaults, 180), ("ENOSPC faults", NoSpaceFaults, 665), ("short writes", ShortWrites, 720),
                ("errors reported", ErrorsReported, 860), ("epoch reports", EpochReports, 210), ("epochs owed by the fault logs and reported", IndependentEpochReports, 150),
                ("flushes verified against the durable image", SuccessfulFlushes, 1150), ("crash states", CrashStates, 1940),
            ];
            foreach ((string name, long count, long minimum) in figures)
            {
                Assert.True(count >= minimum * scale, $"The simulation's {seedRange} seeds produced {count} {name}; at least {minimum * scale:0} were expected.");
            }
        }

        public override string ToString() =>
            $"seeds={Seeds} operations={Operations} faults: read={ReadFaults} write={WriteFaults} flush={FlushFaults} setLength={SetLengthFaults} "
            + $"(of which ENOSPC={NoSpaceFaults}, short writes={ShortWrites}) errorsReported={ErrorsReported} epochReports={EpochReports} owedEpochsReported={IndependentEpochReports} "
            + $"successfulFlushesVerified={SuccessfulFlushes} crashStates={CrashStates} (checks skipped for long unflushed histories: {CrashChecksSkipped}) drainsAfterHeal={HealedDrains} maxDrainPasses={MaxDrainPasses}";
    }

    private sealed class SimFile
    {
        public required CrashSimulatingBackingStore Disk { get; init; }

        public required FaultInjectingBackingStore Store { get; init; }

        public FileModel Model { get; } = new();

        public List<CachedFile> Handles { get; } = [];

        public List<int> ReportedEpoch { get; } = []; // per handle: the last epoch it reported (or was born past)

        /// <summary>Per handle: the store's count of write, flush and size-change faults when the handle last reported a write error (or opened).</summary>
        public List<long> ReportCursor { get; } = [];

        /// <summary>The store's count of write, flush and size-change faults when any handle last reported a write error: a new handle may report only faults after it.</summary>
        public long ReportedFloor { get; set; }

        /// <summary>The store's count of write, flush and size-change faults when FlushAll last reported.</summary>
        public long FlushAllCursor { get; set; }

        /// <summary>
        /// The store's count of write and durable-flush faults at each moment the file was known to
        /// be healthy, no page's failed write left unwritten: when it was created, and whenever a
        /// flush of it (a handle's or FlushAll) returned. The next such fault after one of these
        /// starts an error epoch (P3); later ones may belong to it.
        /// </summary>
        public List<long> HealthyAt { get; } = [0];

        /// <summary>Per handle: the store's count of write and durable-flush faults when the handle last reported a write error (or opened).</summary>
        public List<long> HeardUpTo { get; } = [];
    }

    /// <summary>Runs one seed; throws on the first broken promise.</summary>
    internal static void RunSeed(ulong seed, int steps, PlantedBugs plantedBugs) => new Simulation(seed, new SimulationTotals(), plantedBugs).Run(steps);

    private sealed class Simulation(ulong seed, SimulationTotals totals, PlantedBugs plantedBugs)
    {
        private readonly SeededRandom _random = new(seed);
        private readonly ManualTimeProvider _clock = new();
        private readonly List<SimFile> _files = [];
        private readonly List<string> _recent = [];
        private PageCache _cache = null!;

        public void Run(int steps)
        {
            Remember($"seed {seed}");
            int frameCount = 8 + _random.Next(17);
            _cache = new PageCache(new PageCacheOptions
            {
                MemoryLimitBytes = (long)frameCount * PageSize,
                MinFreeFrames = 1,
                MaxReadAheadBytes = 0, // no background read-ahead: its thread would make a seed unrepeatable
                MaxClusterBytes = PageSize * (1 + _random.Next(8)),
                MaxFrameWait = TimeSpan.Zero, // one reclaim attempt, then the exception: no wall-clock wait decides the course of a seed
                MaxPageWait = TimeSpan.FromSeconds(10),
                TimeProvider = _clock,
                StartPageWriter = false,
                PlantedBugs = plantedBugs,
            });
            int fileCount = 2 + _random.Next(2);
            for (int f = 0; f < fileCount; f++)
            {
                var disk = new CrashSimulatingBackingStore($"sim{f}")
                {
                    FailedFlushBehavior = _random.Chance(50) ? FailedFlushBehavior.DropWrites : FailedFlushBehavior.KeepWrites,
                };
                var file = new SimFile { Disk = disk, Store = new FaultInjectingBackingStore(disk, (seed * 31) + (ulong)f) };
                _files.Add(file);
                OpenHandle(file);
            }

            int faultPercent = _random.Next(4) switch { 0 => 0, 1 => 2, 2 => 5, _ => 10 };
            try
            {
                for (int step = 0; step < steps; step++)
                {
                    string what = Step(faultPercent);
                    Remember($"{step}:{what}");
                    CheckAfterStep();
                    totals.Operations++;
                }

                Drain();
            }
            finally
            {
                foreach (SimFile file in _files)
                {
                    file.Store.Heal();
                    totals.ReadFaults += file.Store.FiredCount(StoreOperations.Read);
                    totals.WriteFaults += file.Store.FiredCount(StoreOperations.Write);
                    totals.FlushFaults += file.Store.FiredCount(StoreOperations.Flush);
                    totals.SetLengthFaults += file.Store.FiredCount(StoreOperations.SetLength);
                    totals.NoSpaceFaults += file.Store.FiredFaults.Count(f => f.Rule.ErrorKind == IOErrorKind.NoSpace);
                    totals.ShortWrites += file.Store.FiredFaults.Count(f => f.Rule.Effect == FaultEffect.ShortWrite && f.Operation == StoreOperations.Write);
                }

                try
                {
                    _cache.Dispose();
                }
                catch (Exception e) when (e is IOException or TimeoutException or PageCacheInvariantException)
                {
                    // Only reached when a check already failed: its assertion is the one to see.
                }
            }
        }

        private string Step(int faultPercent)
        {
            SimFile file = _files[_random.Next(_files.Count)];
            int h = _random.Next(file.Handles.Count);
            int dice = _random.Next(100);
            if (dice >= 82 && dice < 82 + faultPercent)
            {
                return InjectFault(file);
            }

            dice = dice >= 82 ? dice - faultPercent : dice;
            return dice switch
            {
                < 28 => Write(file, h),
                < 46 => Read(file, h),
                < 51 => SetLength(file, h),
                < 60 => Flush(file, h),
                < 62 => FlushAll(),
                < 67 => Advise(file, h),
                < 77 => RunPageWriter(),
                < 80 => Pin(file, h),
                < 82 => HandleChurn(file),
                < 88 => Heal(file),
                < 92 => CheckCrashes(file, 4),
                _ => Read(file, h),
            };
        }

        private string Write(SimFile file, int h)
        {
            long offset;
            int length;
            if (_random.Chance(50))
            {
                // Whole sectors, up to four pages: applied whole or not at all.
                offset = _random.Next(0, MaxFileBytes / 512) * 512;
                length = 512 * (1 + _random.Next(32));
            }
            else
            {
                // Inside one page, at any offset: at most one sector read at each end.
                offset = _random.Next(0, MaxFileBytes);
                length = 1 + _random.Next((int)(PageSize - (offset % PageSize)));
            }

            var data = new byte[length];
            _random.Fill(data);
            if (Try(file, h, $"write {length} at {offset}", () => file.Handles[h].Write(offset, data)))
            {
                file.Model.Write(offset, data);
            }

            return $"write {length} at {offset} on {file.Disk.Name}/{h}";
        }

        private string Read(SimFile file, int h)
        {
            long offset = _random.Next(0, MaxFileBytes + PageSize);
            int length = 1 + _random.Next(3 * PageSize);
            var buffer = new byte[length];
            int read = 0;
            if (Try(file, h, "read", () => read = file.Handles[h].Read(offset, buffer)))
            {
                ReadOnlySpan<byte> expected = file.Model.Read(offset, length);
                Check(read == expected.Length && expected.SequenceEqual(buffer.AsSpan(0, read)), $"read of {length} at {offset} on {file.Disk.Name} differs from the model ({read} bytes, model {expected.Length})");
            }

            return $"read {length} at {offset} on {file.Disk.Name}/{h}";
        }

        private string SetLength(SimFile file, int h)
        {
            long length = _random.Chance(60) ? _random.Next(0, file.Model.Length + 1) : _random.Next(0, MaxFileBytes);
            long before = file.Model.Length;
            if (Try(file, h, "set length", () => file.Handles[h].SetLength(length)))
            {
                file.Model.SetLength(length);
            }
            else if (file.Handles[h].Length == length && length != before)
            {
                file.Model.SetLength(length); // applied in the cache; the store catches up later
            }

            return $"set length {length} on {file.Disk.Name}/{h}";
        }

        private string Flush(SimFile file, int h)
        {
            int epochBefore = EpochOf(file);
            long firedBefore = WriteFaultsOf(file);
            long allFiredBefore = file.Store.FaultsFired;
            try
            {
                file.Handles[h].Flush();
            }
            catch (WritebackFailedException e)
            {
                totals.ErrorsReported++;

                // The store's log, not the cache, says whether there is anything to report: a
                // write, flush or size-change fault on this file since this handle last reported.
                long fired = WriteFaultsOf(file);
                Check(fired > file.ReportCursor[h], $"flush of {file.Disk.Name}/{h} reported a write error, but no write, flush or size change of that file failed since the handle last reported one ({fired} such faults in all; an invented error or one reported twice): {e.Message}");
                Check(e.FileName == file.Disk.Name, $"flush of {file.Disk.Name}/{h} reported an error of {e.FileName}");

                // The cache's own epochs: a throw is a new epoch for this handle or its own failure.
                bool newEpoch = file.ReportedEpoch[h] != epochBefore || EpochOf(file) != epochBefore;
                Check(newEpoch || fired > firedBefore, $"flush of {file.Disk.Name}/{h} threw with no new epoch and no failure of its own: {e.Message}");
                if (file.ReportedEpoch[h] != EpochOf(file))
                {
                    totals.EpochReports++;
                }

                if (StartedAnEpochUnheard(file, h) is not null)
                {
                    totals.IndependentEpochReports++;
                }

                file.ReportedEpoch[h] = EpochOf(file);
                file.ReportCursor[h] = fired;
                file.HeardUpTo[h] = EpochFaultsOf(file);
                file.ReportedFloor = Math.Max(file.ReportedFloor, fired);
                return $"flush {file.Disk.Name}/{h} threw";
            }
            catch (IOException e)
            {
                Check(file.Store.FaultsFired > allFiredBefore, $"flush of {file.Disk.Name}/{h} threw with no fault fired on that file during it: {e}");
                totals.ErrorsReported++;
                return $"flush {file.Disk.Name}/{h} threw {e.GetType().Name}";
            }

            InjectedFault? swallowed = StartedAnEpochUnheard(file, h);
            Check(swallowed is null, $"flush of {file.Disk.Name}/{h} returned, but the store's fault {swallowed} started an error epoch after the handle last reported one or opened, and the handle was never told (a swallowed error; the cache's epoch {EpochOf(file)}, last reported to the handle {file.ReportedEpoch[h]})");
            Check(EpochOf(file) == file.ReportedEpoch[h], $"flush of {file.Disk.Name}/{h} returned although error epoch {EpochOf(file)} was never reported to it (last reported {file.ReportedEpoch[h]})");
            file.HealthyAt.Add(EpochFaultsOf(file));
            Check(file.Model.Content.SequenceEqual(file.Disk.DurableContent), $"flush of {file.Disk.Name}/{h} returned but the durable image ({file.Disk.DurableContent.Length} bytes) is not the model ({file.Model.Length} bytes): {ScenarioHarness.FirstDifference(file.Model.Content, file.Disk.DurableContent)}");
            file.Model.MarkDurable();
            totals.SuccessfulFlushes++;
            return $"flush {file.Disk.Name}/{h}";
        }

        private string FlushAll()
        {
            long[] firedBefore = [.. _files.Select(f => f.Store.FaultsFired)];
            try
            {
                _cache.FlushAll();
            }
            catch (Exception e) when (e is IOException or AggregateException)
            {
                Check(e is not AggregateException a || a.InnerExceptions.All(i => i is IOException), $"FlushAll threw an aggregate of something else than I/O errors: {e}");
                IEnumerable<Exception> errors = e is AggregateException aggregate ? aggregate.InnerExceptions : [e];
                foreach (Exception error in errors)
                {
                    // Each error names a file on which a fault fired during the call, or a write
                    // error one that FlushAll's own cursor had not seen.
                    string? name = error switch { WritebackFailedException w => w.FileName, BackingStoreException b => b.FileName, _ => null };
                    int index = _files.FindIndex(f => f.Disk.Name == name);
                    Check(index >= 0, $"FlushAll threw an error that names no file of the simulation: {error}");
                    SimFile named = _files[index];
                    bool explained = named.Store.FaultsFired > firedBefore[index]
                        || (error is WritebackFailedException && WriteFaultsOf(named) > named.FlushAllCursor);
                    Check(explained, $"FlushAll reported an error of {name} with no fault fired there to explain it: {error.Message}");
                    named.FlushAllCursor = WriteFaultsOf(named); // the files it did not name may still owe it a report
                }

                totals.ErrorsReported++;
                return "flush all threw";
            }

            foreach (SimFile file in _files)
            {
                Check(file.Model.Content.SequenceEqual(file.Disk.DurableContent), $"FlushAll returned but {file.Disk.Name}'s durable image is not the model");
                file.Model.MarkDurable();
                file.FlushAllCursor = WriteFaultsOf(file);
                file.HealthyAt.Add(EpochFaultsOf(file));
            }

            totals.SuccessfulFlushes++;
            return "flush all";
        }

        private string Advise(SimFile file, int h)
        {
            var advice = _random.Chance(60) ? FileAdvice.DontNeed : (FileAdvice)_random.Next(4);
            long offset = _random.Next(0, MaxFileBytes);
            long count = _random.Next(0, 16 * PageSize);
            Try(file, h, "advise", () => file.Handles[h].Advise(offset, count, advice));
            return $"advise {advice} {count} at {offset} on {file.Disk.Name}/{h}";
        }

        private string RunPageWriter()
        {
            var by = TimeSpan.FromMilliseconds(_random.Next(0, 40_000));
            _clock.Advance(by);
            _cache.PageWriter.RunOnePass();
            return $"page writer after {by.TotalSeconds:0.#} s";
        }

        private string Pin(SimFile file, int h)
        {
            if (file.Model.Length == 0)
            {
                return "pin (empty)";
            }

            long offset = _random.Next(0, file.Model.Length);
            int length = 1 + _random.Next((int)Math.Min(PageSize - (offset % PageSize), file.Model.Length - offset));
            bool equal = true;
            if (Try(file, h, "pin", () =>
            {
                using PageLease lease = file.Handles[h].Pin(offset, length);
                equal = file.Model.Read(offset, length).SequenceEqual(lease.Span);
            }))
            {
                Check(equal, $"pinned bytes at {offset} differ from the model");
            }

            return $"pin {length} at {offset} on {file.Disk.Name}/{h}";
        }

        private string HandleChurn(SimFile file)
        {
            if (file.Handles.Count < 3 && _random.Chance(60))
            {
                OpenHandle(file);
                return $"open handle {file.Handles.Count - 1} of {file.Disk.Name}";
            }

            if (file.Handles.Count > 1)
            {
                int h = file.Handles.Count - 1;
                long firedBefore = file.Store.FaultsFired;
                try
                {
                    file.Handles[h].Dispose();
                }
                catch (IOException e)
                {
                    bool explained = file.Store.FaultsFired > firedBefore || (e is WritebackFailedException && WriteFaultsOf(file) > file.ReportCursor[h]);
                    Check(explained, $"closing {file.Disk.Name}/{h} threw with no fault on that file during the close or since the handle last reported: {e}");
                    totals.ErrorsReported++;
                }

                file.Handles.RemoveAt(h);
                file.ReportedEpoch.RemoveAt(h);
                file.ReportCursor.RemoveAt(h);
                file.HeardUpTo.RemoveAt(h);
                return $"close handle {h} of {file.Disk.Name}";
            }

            return "churn (nothing to do)";
        }

        private string InjectFault(SimFile file)
        {
            StoreOperations operations = _random.Next(5) switch
            {
                0 => StoreOperations.Read,
                1 => StoreOperations.Flush,
                2 => StoreOperations.SetLength,
                _ => StoreOperations.Write,
            };
            IOErrorKind kind = _random.Chance(25) ? IOErrorKind.NoSpace : IOErrorKind.IOError;
            FaultEffect effect = operations == StoreOperations.Write && _random.Chance(30) ? FaultEffect.ShortWrite : FaultEffect.Error;
            FaultRule rule = _random.Next(3) switch
            {
                0 => new FaultRule { Operations = operations, NthCall = 1 + _random.Next(4), ErrorKind = kind, Effect = effect },
                1 => new FaultRule { Operations = operations, Probability = 0.1 + (_random.Next(50) / 100.0), ErrorKind = kind, Effect = effect },
                _ => new FaultRule { Operations = operations, ErrorKind = kind, Effect = effect },
            };
            file.Store.AddRule(rule);
            return $"fault {rule} on {file.Disk.Name}";
        }

        private string Heal(SimFile file)
        {
            file.Store.Heal();
            return $"heal {file.Disk.Name}";
        }

        private string CheckCrashes(SimFile file, int count)
        {
            if (file.Model.ChangesSinceDurable > MaxChangesForCrashCheck)
            {
                totals.CrashChecksSkipped++;
                return $"crash check of {file.Disk.Name} skipped ({file.Model.ChangesSinceDurable} changes since its last flush)";
            }

            for (int s = 0; s < count; s++)
            {
                CrashImage image = file.Disk.CaptureCrashImage(_random.NextUInt64());
                string? violation = file.Model.FindCrashViolation(image.Content);
                Check(violation is null, $"power cut of {file.Disk.Name}: {violation}");
                totals.CrashStates++;
            }

            return $"{count} crash states of {file.Disk.Name}";
        }

        /// <summary>Heals every device, lets the page writer alone make everything durable (I9), then flushes each handle.</summary>
        private void Drain()
        {
            foreach (SimFile file in _files)
            {
                file.Store.Heal();
            }

            int passes = 0;
            while (_cache.GetStatistics().NotDurablePages > 0)
            {
                Check(passes < 40, $"after healing, the page writer left {_cache.GetStatistics().NotDurablePages} pages not durable after {passes} passes over {passes * 31} s of virtual time");
                _clock.Advance(TimeSpan.FromSeconds(31));
                _cache.PageWriter.RunOnePass();
                passes++;
            }

            totals.HealedDrains++;
            totals.MaxDrainPasses = Math.Max(totals.MaxDrainPasses, passes);
            foreach (SimFile file in _files)
            {
                for (int h = 0; h < file.Handles.Count; h++)
                {
                    Flush(file, h);
                    Flush(file, h); // the second flush of a healed device succeeds
                    Check(file.ReportedEpoch[h] == EpochOf(file), $"{file.Disk.Name}/{h} did not succeed after healing");
                }

                Check(file.Model.Content.SequenceEqual(file.Disk.DurableContent), $"{file.Disk.Name}'s durable image differs from the model after healing");
                CheckCrashes(file, 4);
            }
        }

        private void OpenHandle(SimFile file)
        {
            CachedFile handle = _cache.Open(file.Store);
            file.Handles.Add(handle);
            lock (handle.FileObject.Lock)
            {
                file.ReportedEpoch.Add(handle.FileObject.Errors.NewCursorLocked());
            }

            // A new handle may report what nobody has reported yet (an epoch nobody saw goes to
            // the next opener), nothing older.
            file.ReportCursor.Add(file.ReportedFloor);
            file.HeardUpTo.Add(EpochFaultsOf(file));
        }

        /// <summary>
        /// The store's write or durable-flush fault that started an error epoch on the file after
        /// handle <paramref name="h"/> last reported a write error (or opened), or null. A fault
        /// starts an epoch when it is the first such fault after a moment the file was known healthy
        /// (HealthyAt); every handle open must report that epoch at its next flush (P3), even if the
        /// data was written since. Later faults may belong to an epoch the handle has reported, an
        /// epoch begun before the handle opened may have been reported to others, and size changes
        /// start none (a failed one throws to its caller): none of these is required of it.
        /// </summary>
        private static InjectedFault? StartedAnEpochUnheard(SimFile file, int h)
        {
            long fired = EpochFaultsOf(file);
            for (int i = file.HealthyAt.Count - 1; i >= 0 && file.HealthyAt[i] >= file.HeardUpTo[h]; i--)
            {
                if (file.HealthyAt[i] < fired)
                {
                    return file.Store.FiredFaults.Where(f => f.Operation is StoreOperations.Write or StoreOperations.Flush).ElementAt((int)file.HealthyAt[i]);
                }
            }

            return null;
        }

        /// <summary>
        /// Runs an operation other than a flush. An error must be explained by a fault fired during
        /// it: on its own file, or, for a pool exhausted by pages that could not be written back
        /// (reclaim writes other files' pages too), on any file. Nothing here waits on another
        /// thread, so a timeout is never legitimate.
        /// </summary>
        private bool Try(SimFile file, int h, string what, Action action)
        {
            long firedBefore = file.Store.FaultsFired;
            long allFiredBefore = _files.Sum(f => f.Store.FaultsFired);
            try
            {
                action();
                return true;
            }
            catch (IOException e)
            {
                bool explained = e is PageCacheExhaustedException
                    ? _files.Sum(f => f.Store.FaultsFired) > allFiredBefore
                    : file.Store.FaultsFired > firedBefore;
                Check(explained, $"{what} on {file.Disk.Name}/{h} threw with no fault fired during it{(e is PageCacheExhaustedException ? " on any file" : " on that file")}: {e}");
                totals.ErrorsReported++;
                Remember($"  {what} threw {e.GetType().Name}: {e.Message}");
                return false;
            }
        }

        private void CheckAfterStep()
        {
            foreach (SimFile file in _files)
            {
                foreach (CachedFile handle in file.Handles)
                {
                    Check(handle.Length == file.Model.Length, $"{file.Disk.Name}'s size is {handle.Length}; the model says {file.Model.Length}");
                }
            }

            string? violation = CacheInspector.FindQuiescenceViolation(_cache);
            Check(violation is null, violation ?? string.Empty);
        }

        private static int EpochOf(SimFile file) => file.Handles[0].FileObject.Errors.Epoch;

        private static long EpochFaultsOf(SimFile file) => file.Store.FiredCount(StoreOperations.Write) + file.Store.FiredCount(StoreOperations.Flush);

        private static long WriteFaultsOf(SimFile file) => file.Store.FiredCount(StoreOperations.Write) + file.Store.FiredCount(StoreOperations.Flush) + file.Store.FiredCount(StoreOperations.SetLength);

        private void Remember(string line)
        {
            if (Environment.GetEnvironmentVariable("QUIRE_SIM_TRACE") is { Length: > 0 } tracePath)
            {
                File.AppendAllText(tracePath, line + Environment.NewLine);
            }

            _recent.Add(line);
            if (_recent.Count > 12)
            {
                _recent.RemoveAt(0);
            }
        }

        private void Check(bool condition, string message)
        {
            if (!condition)
            {
                throw new Xunit.Sdk.XunitException($"{message}. Last steps: {string.Join(" | ", _recent)}");
            }
        }
    }
}
