// Proves the reliability suites can fail (RELIABILITY H8): each known bug is planted in a cache
// of its own (PageCacheOptions.PlantedBugs, inert in every other cache), and the Nth-operation
// sweeps, the unsynced-eviction test, then the seeded simulation, are run against it until one of them reports a broken
// promise. Every canary must be caught; the report says which suite caught each and how soon.

using Quire.Internal;
using Xunit.Abstractions;

namespace Quire.Tests.Reliability;

[Collection("Writeback")]
public sealed class CanaryTests(ITestOutputHelper output)
{
    private const int SimulationSeedsPerCanary = 20;

    public static TheoryData<string> Canaries =>
    [
        nameof(PlantedBugs.DropPageAfterFailedWrite),
        nameof(PlantedBugs.ClearErrorAfterFirstReport),
        nameof(PlantedBugs.EvictUnsyncedPage),
        nameof(PlantedBugs.SkipEofClipping),
    ];

    [Theory]
    [MemberData(nameof(Canaries))]
    public void TheSuitesCatchThePlantedBug(string canaryName)
    {
        PlantedBugs canary = Enum.Parse<PlantedBugs>(canaryName);
        string? caughtBy = null;
        foreach ((string name, _) in Scenarios.All)
        {
            try
            {
                NthOperationSweepTests.Sweep(name, canary);
            }
            catch (Exception e)
            {
                caughtBy = $"the Nth-operation sweep of scenario {name}: {FirstLine(e)}";
                break;
            }
        }

        if (caughtBy is null)
        {
            try
            {
                UnsyncedEvictionTests.Run(canary);
            }
            catch (Exception e)
            {
                caughtBy = $"the unsynced-eviction test: {FirstLine(e)}";
            }
        }

        for (ulong seed = 1; caughtBy is null && seed <= SimulationSeedsPerCanary; seed++)
        {
            try
            {
                SimulationTests.RunSeed(seed, 1000, canary);
            }
            catch (Exception e)
            {
                caughtBy = $"simulation seed {seed}: {FirstLine(e)}";
            }
        }

        ReliabilityReport.Record(output, "canary", $"{canary} caught={caughtBy is not null} by {caughtBy ?? "nothing"}");
        Assert.True(caughtBy is not null, $"The planted bug {canary} was not caught by any suite.");
    }

    /// <summary>The planted bugs stay inert in a cache that does not ask for them: the same sweep passes.</summary>
    [Fact]
    public void ACacheWithoutPlantedBugsPassesTheSweepThatCatchesThem() =>
        NthOperationSweepTests.Sweep("write-write-other-handle-flush-both", PlantedBugs.None);

    private static string FirstLine(Exception e)
    {
        string message = (e.InnerException ?? e).Message;
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline];
    }
}
