// An opt-in soak (QUIRE_SOAK_MINUTES=n): the seeded simulation, seed after seed, for n minutes,
// each seed ending with the frame accounting checked (frames on queues + held = pool) and the
// process's managed memory sampled, so a leak of frames or metadata shows as growth across seeds.
// Reported as skipped (opt-in) in the default run, never as passed.

using System.Globalization;
using Quire.Internal;
using Quire.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Quire.Tests.Reliability;

[Collection("Writeback")]
public sealed class SoakTests(ITestOutputHelper output)
{
    [OptInFact("QUIRE_SOAK_MINUTES", "the soak runs simulation seeds for the given number of minutes")]
    public void ALongMixedRunLeaksNothing()
    {
        double minutes = double.Parse(Environment.GetEnvironmentVariable("QUIRE_SOAK_MINUTES")!, CultureInfo.InvariantCulture);
        Assert.True(minutes > 0, $"QUIRE_SOAK_MINUTES is {minutes}: a soak of no time checks nothing.");
        var until = DateTime.UtcNow.AddMinutes(minutes);
        ulong seed = 1_000_000;
        long baseline = -1;
        long peak = 0;
        while (DateTime.UtcNow < until)
        {
            SimulationTests.RunSeed(seed++, 5000, PlantedBugs.None);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long managed = GC.GetTotalMemory(forceFullCollection: true);
            baseline = baseline < 0 ? managed : baseline;
            peak = Math.Max(peak, managed);
        }

        // Each seed builds and disposes its own cache: what survives a seed is a leak.
        Assert.True(seed - 1_000_000 >= 2, $"The soak ran {seed - 1_000_000} seeds: too few to see growth.");
        Assert.True(peak - baseline < 64L << 20, $"Managed memory grew by {(peak - baseline) >> 20} MiB over the soak.");
        ReliabilityReport.Record(output, "soak", $"seeds={seed - 1_000_000} operations={(seed - 1_000_000) * 5000} managedBaseline={baseline >> 20}MiB managedPeak={peak >> 20}MiB");
    }
}
