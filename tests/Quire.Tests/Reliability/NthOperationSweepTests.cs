// Proves, SQLite-style, that every single failure of the backing store is handled: each short
// scenario is run once to count its store calls C, then again for every N in 1..C with the Nth
// call failing, transiently and persistently, as EIO, as ENOSPC, as a short write, and as EIO on a
// store that drops unflushed writes after a failed flush (Linux). In every case an error is
// reported iff a fault fired, no invented or misclassified error appears, each handle hears of a
// write fault (exactly once when it fired once), and after healing the flushed file equals the
// model with no page left held.

using Quire.Internal;
using Quire.Testing;
using Xunit.Abstractions;

namespace Quire.Tests.Reliability;

[Collection("Writeback")]
public sealed class NthOperationSweepTests(ITestOutputHelper output)
{
    public enum FaultKind
    {
        Eio,
        NoSpace,
        ShortWrite,
        LinuxFailedFlush,
    }

    public static TheoryData<string> ScenarioNames => [.. Scenarios.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public void EveryNthStoreCallFailingIsReportedAndRecovered(string scenario)
    {
        (int callCount, int cases, long fired, long reports, Dictionary<FaultKind, long> firedByKind) = Sweep(scenario, PlantedBugs.None);
        ReliabilityReport.Record(output, "nth-sweep", $"scenario={scenario} calls={callCount} cases={cases} faultsFired={fired} ({string.Join(", ", firedByKind.Select(k => $"{k.Key}={k.Value}"))}) errorsReported={reports}");

        // Minimums: every kind, transient and persistent, failed every one of the scenario's calls.
        Assert.Equal(Enum.GetValues<FaultKind>().Length * 2 * callCount, cases);
        foreach (FaultKind kind in Enum.GetValues<FaultKind>())
        {
            Assert.True(firedByKind.GetValueOrDefault(kind) >= 2 * callCount, $"Only {firedByKind.GetValueOrDefault(kind)} {kind} faults fired over {2 * callCount} cases.");
        }

        Assert.True(reports > 0, $"The sweep of {scenario} fired {fired} faults and reported no error.");
    }

    /// <summary>Runs every case of one scenario's sweep; throws on the first broken rule.</summary>
    internal static (int CallCount, int Cases, long Fired, long Reports, Dictionary<FaultKind, long> FiredByKind) Sweep(string scenario, PlantedBugs plantedBugs)
    {
        Action<ScenarioHarness> run = Scenarios.All.Single(s => s.Name == scenario).Run;
        int callCount;
        using (var clean = new ScenarioHarness(initialContent: Scenarios.InitialContent, plantedBugs: plantedBugs))
        {
            run(clean);
            callCount = (int)clean.CallCount;
            clean.Finish(exactlyOnce: true);
            Assert.Equal(0, clean.ErrorsReported);
        }

        Assert.True(callCount > 0, $"Scenario {scenario} made no store call: there is nothing to fail.");
        int cases = 0;
        long fired = 0;
        long reports = 0;
        var firedByKind = new Dictionary<FaultKind, long>();
        foreach (FaultKind kind in Enum.GetValues<FaultKind>())
        {
            foreach (bool persistent in new[] { false, true })
            {
                for (int n = 1; n <= callCount; n++)
                {
                    using var harness = new ScenarioHarness(
                        kind == FaultKind.LinuxFailedFlush ? FailedFlushBehavior.DropWrites : FailedFlushBehavior.KeepWrites,
                        plantedBugs,
                        initialContent: Scenarios.InitialContent,
                        seed: (ulong)n);
                    harness.ReadFaultsPersist = persistent;
                    harness.ExpectedKind = kind == FaultKind.NoSpace ? IOErrorKind.NoSpace : IOErrorKind.IOError;
                    harness.Store.AddRule(new FaultRule
                    {
                        Operations = StoreOperations.All,
                        NthCall = n,
                        Persistent = persistent,
                        ErrorKind = harness.ExpectedKind,
                        Effect = kind == FaultKind.ShortWrite ? FaultEffect.ShortWrite : FaultEffect.Error,
                    });
                    try
                    {
                        run(harness);

                        // The first N-1 calls are the clean run's, so call N is made and fails: a
                        // case in which nothing fired checked nothing.
                        Assert.True(harness.Store.FaultsFired > 0, $"Call {n} of {callCount} was never made or never failed. {harness.Log}");
                        fired += harness.Store.FaultsFired;
                        firedByKind[kind] = firedByKind.GetValueOrDefault(kind) + harness.Store.FaultsFired;
                        harness.Finish(exactlyOnce: !persistent);
                        reports += harness.ErrorsReported;
                    }
                    catch (Exception e)
                    {
                        throw new InvalidOperationException(
                            $"Scenario {scenario}, {kind}, {(persistent ? "persistent" : "transient")}, call {n} of {callCount} failing: {e.Message}", e);
                    }

                    cases++;
                }
            }
        }

        return (callCount, cases, fired, reports, firedByKind);
    }
}
