// Proves what survives a power cut (RELIABILITY P10, I10; matrix X2-X4): every scenario runs over
// a store that keeps unflushed writes volatile, and after every store call the disk's state is
// crashed under many seeds (each unflushed write applied, dropped or torn by sector): every byte a
// flush that returned covered must hold its flushed value or a value written since, and the size
// must be one the file had since. Right after a flush returns, nothing may be volatile at all.
// Then the power is really cut and a fresh cache reads the disk back. Nothing is promised for
// unflushed data, and the checks ask for nothing more.

using Quire.Internal;
using Quire.Testing;
using Xunit.Abstractions;

namespace Quire.Tests.Reliability;

[Collection("Writeback")]
public sealed class PowerCutTests(ITestOutputHelper output)
{
    public static TheoryData<string> ScenarioNames => NthOperationSweepTests.ScenarioNames;

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public void EveryCrashPointKeepsEveryFlushedByte(string scenario)
    {
        int seedsPerPoint = ReliabilityReport.Scale(64, 4096);
        int restarts = ReliabilityReport.Scale(4, 64);
        (long crashPoints, long crashStates, long flushesVerified) = Run(scenario, PlantedBugs.None, seedsPerPoint, restarts);
        ReliabilityReport.Record(output, "power-cut", $"scenario={scenario} crashPoints={crashPoints} crashStates={crashStates} flushesVerified={flushesVerified} restarts={restarts}");

        // Minimums: a crash image after every store call, every one under every seed.
        Assert.True(crashPoints > 0, $"{scenario} made no store call: no crash point was checked.");
        Assert.Equal((crashPoints * seedsPerPoint) + restarts, crashStates);
    }

    /// <summary>Runs one scenario's crash points and restarts; throws on the first broken promise.</summary>
    internal static (long CrashPoints, long CrashStates, long FlushesVerified) Run(string scenario, PlantedBugs plantedBugs, int seedsPerPoint, int restarts)
    {
        Action<ScenarioHarness> run = Scenarios.All.Single(s => s.Name == scenario).Run;
        long crashPoints = 0;
        long crashStates = 0;
        long flushesVerified = 0;

        void CheckCrashes(ScenarioHarness h)
        {
            crashPoints++;
            for (int s = 0; s < seedsPerPoint; s++)
            {
                ulong seed = ((ulong)crashPoints << 32) | (uint)s;
                CrashImage image = h.Disk.CaptureCrashImage(seed);
                string? violation = h.Model.FindCrashViolation(image.Content);
                Assert.True(violation is null, $"{scenario}, crash point {crashPoints}, crash seed {seed}: {violation} {h.Log}");
                crashStates++;
            }
        }

        using (var harness = new ScenarioHarness(initialContent: Scenarios.InitialContent, plantedBugs: plantedBugs, afterStoreCall: CheckCrashes))
        {
            harness.ModelFirst = true;
            harness.AfterSuccessfulFlush = h =>
            {
                Assert.True(h.Model.Content.SequenceEqual(h.Disk.DurableContent), $"{scenario}: a flush returned but the durable image is not the model. {h.Log}");
                Assert.True(h.Disk.PendingChangeCount == 0, $"{scenario}: a flush returned with {h.Disk.PendingChangeCount} changes not durable. {h.Log}");
                h.Model.MarkDurable();
                flushesVerified++;
            };
            run(harness);
            harness.Finish(exactlyOnce: true);
        }

        for (int r = 0; r < restarts; r++)
        {
            crashStates += CutPowerAndRestart(run, (ulong)r, plantedBugs);
        }

        return (crashPoints, crashStates, flushesVerified);
    }

    /// <summary>Runs the scenario, writes more without flushing, cuts the power, and reads the disk back through a new cache.</summary>
    private static int CutPowerAndRestart(Action<ScenarioHarness> run, ulong seed, PlantedBugs plantedBugs)
    {
        CrashImage image;
        FileModel model;
        using (var harness = new ScenarioHarness(initialContent: Scenarios.InitialContent, plantedBugs: plantedBugs))
        {
            harness.ModelFirst = true;
            harness.AfterSuccessfulFlush = h => h.Model.MarkDurable();
            run(harness);
            harness.Write(0, (long)(seed % 5) * 1000, 3000, (int)seed); // unflushed: may land, tear or vanish
            harness.SetLength(1, harness.Model.Length + (long)(seed * 512));
            image = harness.Disk.SimulateCrash(seed);
            model = harness.Model;
        }

        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 16 * 4096, StartPageWriter = false });
        using CachedFile file = cache.Open(image.OpenStore());
        var content = new byte[file.Length];
        Assert.Equal(content.Length, file.Read(0, content));
        string? violation = model.FindCrashViolation(content);
        Assert.True(violation is null, $"After a power cut (seed {seed}) and a restart: {violation}");
        return 1;
    }
}
