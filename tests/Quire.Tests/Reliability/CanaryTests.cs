// Proves the reliability suites can fail: each known bug is planted in a cache of
// its own (PageCacheOptions.PlantedBugs, inert in every other cache) and run, separately, against
// every suite that claims to catch it. Each pair must fail through the suite's own oracle (an
// assertion about data, errors or sizes); a crash, a timeout or any other exception does not count
// as caught. A bug the library's own always-on checks stop first (PageCacheInvariantException) is
// claimed by those checks instead. The claims below are the table in docs/DURABILITY.md, and a test
// keeps the two equal.

using System.Globalization;
using System.Text;
using Quire.Internal;
using Quire.Tests.Api;
using Quire.Tests.Flushing;
using Quire.Tests.Throttling;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Quire.Tests.Reliability;

[Collection("Writeback")]
public sealed class CanaryTests(ITestOutputHelper output)
{
    private const int SimulationSeedsPerCanary = 20;
    private const int ConcurrencySeedsPerCanary = 20; // a run stops at the first seed that catches: 1-2 on an idle machine, more under load
    private const int OpenCloseStressSeedsPerCanary = 3;
    private const int KillsPerCanary = 60; // a kill lands after about 60-100 flushes; the bug shows within 9-14 kills here, later under load (a run stops at the first catch)

    /// <summary>The suites a canary can be run against.</summary>
    public enum Suite
    {
        NthOperationSweep,
        Simulation,
        PowerCut,
        UnsyncedEviction,
        Concurrency,

        /// <summary>Threads opening, writing, reading and closing shared files; its oracle is each thread's model of its regions.</summary>
        OpenCloseStress,

        /// <summary>The kill -9 test: a child process killed at a seeded moment, its files checked against its reported flushes.</summary>
        Kill,

        /// <summary>Flushes bounded by a timeout or a token while the store's durable flush hangs (E10).</summary>
        BoundedFlush,

        /// <summary>Every frame pinned, every frame dirty on a failing device, writers over the dirty limit on a full disk (M1, M2, S3).</summary>
        Exhaustion,

        /// <summary>The dirty throttle's checks that run a cache: pauses, wake-ups, bounds (C5, S3).</summary>
        DirtyThrottle,

        /// <summary>The argument checks of every CachedFile call, and an extension the store refuses as too large (S4).</summary>
        CachedFileArguments,

        /// <summary>The regression tests of the error accounting of truncates (T4).</summary>
        Regression,

        /// <summary>The directory syncs that make names durable: a new file's first flush, Move, Delete (X5).</summary>
        FileNames,

        /// <summary>The library's own always-on checks (Verify), seen through the Nth-operation sweep: they stop the bug before any suite's oracle could.</summary>
        AlwaysOnCheck,
    }

    /// <summary>Which suite claims to catch which planted bug, and what the bug does.</summary>
    internal static readonly (PlantedBugs Canary, string Bug, Suite[] Suites)[] Claims =
    [
        (PlantedBugs.DropPageAfterFailedWrite, "a page whose write failed is treated as written", [Suite.NthOperationSweep, Suite.Simulation, Suite.Concurrency]),
        (PlantedBugs.ClearErrorAfterFirstReport, "an error is reported to the first handle only", [Suite.NthOperationSweep, Suite.Simulation]),
        (PlantedBugs.EvictUnsyncedPage, "a page written but not durable is evicted", [Suite.UnsyncedEviction]),
        (PlantedBugs.SkipEofClipping, "write-back writes the last page whole, past the end of file", [Suite.AlwaysOnCheck]),
        (PlantedBugs.ReportErrorTwice, "a handle reports the same error at every flush", [Suite.NthOperationSweep, Suite.Simulation]),
        (PlantedBugs.ReportReadErrorAsWriteError, "a failed read is reported by a later flush as a write error (an invented error)", [Suite.NthOperationSweep, Suite.Simulation]),
        (PlantedBugs.SkipDurableFlush, "a flush returns without the store's durable flush", [Suite.NthOperationSweep, Suite.Simulation, Suite.PowerCut]),
        (PlantedBugs.KeepBytesPastNewEnd, "a truncate leaves the bytes past the new end, which a later extension brings back", [Suite.NthOperationSweep, Suite.Simulation, Suite.PowerCut, Suite.Kill]),
        (PlantedBugs.DropPagesDirtiedDuringClose, "a closing file drops its data not yet durable: the writes of a handle opened during the close are lost", [Suite.OpenCloseStress]),
        (PlantedBugs.SkipShortReadZeroFill, "a short read leaves stale frame bytes in the page's tail", [Suite.Simulation, Suite.OpenCloseStress, Suite.Kill]),
        (PlantedBugs.SkipUnreportedEpochForNewHandle, "an error epoch nobody reported is not reported to the next opener", [Suite.Simulation]),
        (PlantedBugs.ZeroFailedReadAhead, "a failed cluster read caches the pages after its first as valid zeros", [Suite.NthOperationSweep, Suite.Simulation]),
        (PlantedBugs.FreePinnedPageOnTruncate, "a truncate frees a page a lease still pins", [Suite.AlwaysOnCheck]),
        (PlantedBugs.LeakFramesOfFailedReservation, "a write the exhausted pool fails keeps the frames it reserved", [Suite.Simulation]),
        (PlantedBugs.CleanPageWrittenDuringWriteback, "a write into a page under writeback is lost when the writeback completes", [Suite.Concurrency]),
        (PlantedBugs.SetSizeBeforeStoreExtends, "an extension the store refuses as too large (EFBIG) leaves the file at the refused size", [Suite.CachedFileArguments]),
        (PlantedBugs.CancelFlushAsyncOnlyBeforeItStarts, "a cancelled FlushAsync waits as long as the store's durable flush hangs", [Suite.BoundedFlush]),
        (PlantedBugs.ReadErrorAsEndOfFile, "a failed read is taken for the end of the store: a partial-page write goes ahead over zeros", [Suite.NthOperationSweep, Suite.Simulation]),
        (PlantedBugs.KeepDroppedFailedPageInEpoch, "a truncate that drops a failing page never ends its error epoch: a later failure reaches no handle", [Suite.Simulation, Suite.Regression]),
        (PlantedBugs.GoOnAfterOnePauseOverTheLimit, "a writer over the dirty limit goes on after one pause, whatever the level", [Suite.Exhaustion]),
        (PlantedBugs.WakeThrottledWriterOnlyAtFreerun, "a writer over the dirty limit is not woken once the data is below it, only at freerun", [Suite.DirtyThrottle]),
        (PlantedBugs.DropFailureOfFlushLeftRunning, "the failure of a flush left running (timed out or cancelled) never reaches the handle whose caller stopped waiting", [Suite.BoundedFlush]),
        (PlantedBugs.SkipDirectorySync, "names are never made durable: no directory is synced after a create, a move or a delete", [Suite.FileNames]),
    ];

    public static TheoryData<string, string> Pairs
    {
        get
        {
            var pairs = new TheoryData<string, string>();
            foreach ((PlantedBugs canary, _, Suite[] suites) in Claims)
            {
                foreach (Suite suite in suites)
                {
                    pairs.Add(canary.ToString(), suite.ToString());
                }
            }

            return pairs;
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void TheSuiteCatchesThePlantedBugThroughItsOracle(string canaryName, string suiteName)
    {
        PlantedBugs canary = Enum.Parse<PlantedBugs>(canaryName);
        Suite suite = Enum.Parse<Suite>(suiteName);
        (string? caughtBy, string? assertion) = RunUntilCaught(suite, canary);
        ReliabilityReport.Record(output, "canary", $"{canary} suite={suite} caught={caughtBy is not null} by {caughtBy ?? "nothing"}: {assertion}");
        Assert.True(caughtBy is not null, $"The planted bug {canary} was not caught by {suite}.");
    }

    /// <summary>The planted bugs stay inert in a cache that does not ask for them: the same sweep passes.</summary>
    [Fact]
    public void ACacheWithoutPlantedBugsPassesTheSweepThatCatchesThem() =>
        NthOperationSweepTests.Sweep("write-write-other-handle-flush-both", PlantedBugs.None);

    /// <summary>Every planted bug is claimed by at least one suite, and docs/DURABILITY.md shows the claims as they are here.</summary>
    [Fact]
    public void TheDurabilityPageShowsTheCanaryBySuiteTable()
    {
        Assert.Equal(
            Enum.GetValues<PlantedBugs>().Where(b => b != PlantedBugs.None).Order(),
            Claims.Select(c => c.Canary).Order());
        Assert.All(Claims, c => Assert.NotEmpty(c.Suites));
        string table = Table();
        string page = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "DURABILITY.md")).ReplaceLineEndings("\n");
        Assert.True(page.Contains(table, StringComparison.Ordinal), $"docs/DURABILITY.md does not hold the canary table as the claims make it; paste this:\n{table}");
    }

    /// <summary>The canary-by-suite table: a row per planted bug, a column per suite, a mark where the suite is shown to catch it.</summary>
    internal static string Table()
    {
        Suite[] suites = Enum.GetValues<Suite>();
        var table = new StringBuilder();
        table.Append("| Planted bug | What it does | ").AppendJoin(" | ", suites.Select(s => $"`{s}`")).Append(" |\n");
        table.Append("| --- | --- | ").AppendJoin(" | ", suites.Select(_ => "---")).Append(" |\n");
        foreach ((PlantedBugs canary, string bug, Suite[] claimed) in Claims)
        {
            table.Append(CultureInfo.InvariantCulture, $"| `{canary}` | {bug} | ").AppendJoin(" | ", suites.Select(s => claimed.Contains(s) ? "caught" : "")).Append(" |\n");
        }

        return table.ToString();
    }

    /// <summary>
    /// Runs <paramref name="suite"/> against <paramref name="canary"/> until its oracle fails:
    /// returns which case caught it and the assertion, or nulls. Any failure that is not an
    /// assertion of the suite's is rethrown, so it fails the test instead of counting as caught.
    /// </summary>
    private static (string? CaughtBy, string? Assertion) RunUntilCaught(Suite suite, PlantedBugs canary)
    {
        IEnumerable<(string Case, Action Run)> cases = suite switch
        {
            Suite.NthOperationSweep => Scenarios.All.Select(s => ($"scenario {s.Name}", (Action)(() => NthOperationSweepTests.Sweep(s.Name, canary)))),
            Suite.Simulation => Enumerable.Range(1, SimulationSeedsPerCanary).Select(seed => ($"seed {seed}", (Action)(() => SimulationTests.RunSeed((ulong)seed, 1000, canary)))),
            Suite.PowerCut => Scenarios.All.Select(s => ($"scenario {s.Name}", (Action)(() => PowerCutTests.Run(s.Name, canary, seedsPerPoint: 16, restarts: 4)))),
            Suite.UnsyncedEviction => [("the test", () => UnsyncedEvictionTests.Run(canary))],
            Suite.Concurrency => Enumerable.Range(1, ConcurrencySeedsPerCanary).Select(seed => ($"seed {seed}", (Action)(() => ConcurrencyTests.Run((ulong)seed, 1500, canary)))),
            Suite.OpenCloseStress => Enumerable.Range(1, OpenCloseStressSeedsPerCanary).Select(seed => ($"seed {seed}", (Action)(() => OpenCloseStressTests.Run(seed, canary)))),
            Suite.BoundedFlush => BoundedFlushTests.Checks.Select(c => (c.Name, (Action)(() => c.Run(canary).GetAwaiter().GetResult()))),
            Suite.Exhaustion => ExhaustionTests.Checks.Select(c => (c.Name, (Action)(() => c.Run(canary)))),
            Suite.DirtyThrottle => DirtyThrottleTests.CacheChecks.Select(c => (c.Name, (Action)(() => c.Run(canary)))),
            Suite.Regression => RegressionTests.TruncateChecks.Select(c => (c.Name, (Action)(() => c.Run(canary)))),
            Suite.CachedFileArguments => [("the store refusing an extension", () => CachedFileArgumentTests.ExtendPastTheLargestFile(canary))],
            Suite.FileNames => FileNamesTests.Checks.Select(c => (c.Name, (Action)(() => c.Run(canary)))),
            Suite.Kill => Enumerable.Range(1, KillsPerCanary).Select(seed => ($"seed {seed}", (Action)(() => KillTests.KillAndVerify((ulong)seed, canary, output: null)))),
            Suite.AlwaysOnCheck => Scenarios.All.Select(s => ($"scenario {s.Name}", (Action)(() => NthOperationSweepTests.Sweep(s.Name, canary)))),
            _ => throw new ArgumentOutOfRangeException(nameof(suite), suite, "Name a suite."),
        };
        foreach ((string name, Action run) in cases)
        {
            try
            {
                run();
            }
            catch (Exception e)
            {
                Exception cause = e;
                while (cause is InvalidOperationException { InnerException: { } inner })
                {
                    cause = inner; // the sweep wraps its assertion with the case that failed
                }

                // The kill test also asserts about its child (it started, it was killed, it wrote
                // nothing to stderr): only its oracle's assertion about the files counts. The
                // open/close stress also reports a worker that threw: only its model's counts.
                bool expected = suite switch
                {
                    Suite.AlwaysOnCheck => cause is PageCacheInvariantException,
                    Suite.Kill => cause is XunitException && cause.Message.Contains(KillTests.OracleFailure, StringComparison.Ordinal),
                    Suite.OpenCloseStress => cause is XunitException && cause.Message.Contains(OpenCloseStressTests.OracleFailure, StringComparison.Ordinal),
                    _ => cause is XunitException,
                };
                if (!expected)
                {
                    throw new InvalidOperationException($"{suite} failed on {name} with {cause.GetType().Name}, not through its oracle: {cause.Message}", e);
                }

                return (name, FirstLine(cause.Message));
            }
        }

        return (null, null);
    }

    private static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "Quire.slnx")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        Assert.NotNull(directory);
        return directory;
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline];
    }
}
