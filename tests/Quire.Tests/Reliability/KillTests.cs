// Proves the process-crash promise (RELIABILITY P10, X1, X4, X5, H5): a child process runs a seeded
// workload over real files through Quire, printing each flush and each change of names (a create
// closed, a Move over a name, a Delete) that returned; the test kills it (SIGKILL) at a random
// moment, then reads the files without Quire and replays the same seeded workload: every byte each
// reported flush covered holds its flushed value or a value written after it, and the size is one
// the file had since; every name is as the reported changes left it, with its bytes (the one
// change under way at the kill may have happened or not; a create under way may have left its name
// with any part of its bytes). Unflushed data may be anything the workload wrote. A kill leaves the
// OS's caches, directories included, so this proves what the cache did, not what a power cut
// keeps (FileNamesTests prove the directory syncs). A few kills run by default;
// QUIRE_LONG_RUN=1 (or QUIRE_KILL_RUNS=n) runs more.

using System.Diagnostics;
using System.Globalization;
using Quire.CrashChild;
using Quire.Internal;
using Quire.Testing;
using Quire.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Quire.Tests.Reliability;

[Collection("Writeback")]
public sealed class KillTests(ITestOutputHelper output)
{
    /// <summary>How the oracle's assertion begins: a file after the kill is not one the flushes reported allow.</summary>
    internal const string OracleFailure = "kill -9 of seed";

    [Fact]
    public void EveryFlushReportedBeforeAKillIsOnDisk()
    {
        int runs = Environment.GetEnvironmentVariable("QUIRE_KILL_RUNS") is { } text
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : ReliabilityReport.Scale(10, 300);
        ulong firstSeed = ReliabilityReport.ReplaySeed ?? 1;
        Assert.True(runs > 0, $"QUIRE_KILL_RUNS={runs}: a kill test asked to kill nothing checks nothing.");
        long flushesVerified = 0;
        long bytesVerified = 0;
        long namesVerified = 0;
        for (int run = 0; run < runs; run++)
        {
            ulong seed = firstSeed + (ulong)run;
            (int flushes, long bytes, int names) = KillAndVerify(seed, PlantedBugs.None, output);
            flushesVerified += flushes;
            bytesVerified += bytes;
            namesVerified += names;
        }

        ReliabilityReport.Record(output, "kill-9", $"kills={runs} seeds={firstSeed}..{firstSeed + (ulong)runs - 1} flushesReported={flushesVerified} bytesVerified={bytesVerified} nameChangesReported={namesVerified}");

        // Minimums: the children flushed before they were killed (the default run reported 27-56
        // flushes a kill here, fewer since creates and renames sync their directory), so the check
        // covered flushed data, not only empty files.
        Assert.True(flushesVerified >= runs, $"{runs} kills verified only {flushesVerified} reported flushes.");
        Assert.True(bytesVerified > 0, $"{runs} kills verified no flushed byte.");
        Assert.True(namesVerified > 0, $"{runs} kills verified no change of names.");
    }

    /// <summary>
    /// Runs the child with <paramref name="seed"/> (and <paramref name="canary"/> planted in its
    /// cache), kills it, and checks the files against the replayed workload; the oracle's
    /// assertion starts with <see cref="OracleFailure"/>. Returns the flushes, bytes and changes of names verified.
    /// </summary>
    internal static (int Flushes, long Bytes, int Names) KillAndVerify(ulong seed, PlantedBugs canary, ITestOutputHelper? output)
    {
        using var directory = new TempDirectory();
        string childPath = typeof(CrashWorkload).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(childPath);
        start.ArgumentList.Add(directory.Path);
        start.ArgumentList.Add(seed.ToString(CultureInfo.InvariantCulture));
        if (canary != PlantedBugs.None)
        {
            start.ArgumentList.Add(((int)canary).ToString(CultureInfo.InvariantCulture));
        }

        int lastFlushed = -1;
        int flushCount = 0;
        using (Process child = Process.Start(start) ?? throw new InvalidOperationException("The crash child did not start."))
        {
            // Every line until the pipe closes, so a line the child wrote just before it died is
            // still counted: each one is a promise.
            using var childOutput = new ChildOutputLines(child);
            var errors = new List<string>();
            child.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lock (errors)
                    {
                        errors.Add(line);
                    }
                }
            };
            child.BeginErrorReadLine();
            Assert.True(childOutput.WaitForFirst(TimeSpan.FromSeconds(30)), $"The crash child (seed {seed}) never started.");

            Thread.Sleep(TimeSpan.FromMilliseconds(50 + (seed * 104729 % 450))); // a seeded moment

            // Still running: a child that died on its own (an exception, a failed flush) was not
            // killed, and what it printed is not the promise this test checks.
            Assert.False(child.HasExited, $"The crash child (seed {seed}) exited by itself with status {(child.HasExited ? child.ExitCode : 0)} before the kill: {string.Join(" / ", errors)}");
            child.Kill(entireProcessTree: true); // SIGKILL: no finalizers, no flush on the way out
            Assert.True(child.WaitForExit(20_000), $"The crash child (seed {seed}) did not die.");
            Assert.True(childOutput.WaitForEnd(TimeSpan.FromSeconds(20)), "The child's output never closed.");
            Assert.Equal(137, child.ExitCode); // 128 + SIGKILL: the kill, not the child, ended it
            lock (errors)
            {
                Assert.True(errors.Count == 0, $"The crash child (seed {seed}) wrote to stderr: {string.Join(" / ", errors)}");
            }
            string[] lines = childOutput.Snapshot();
            Assert.True(lines.Length > 0 && lines[0] == "READY", $"The crash child (seed {seed}) did not start its workload.");
            foreach (string line in lines.Skip(1))
            {
                lastFlushed = int.Parse(line.AsSpan("FLUSHED ".Length), CultureInfo.InvariantCulture);
                flushCount++;
            }
        }

        // Replay: the model of each file, marked durable at the last flush of it the child reported
        // (a flush of one file says nothing of the other), then every later operation as possible.
        var models = new FileModel[CrashWorkload.FileCount];
        for (int f = 0; f < models.Length; f++)
        {
            models[f] = new FileModel();
        }

        // The child ran at most up to the first flush (or change of names) after the last one it
        // reported: it prints as soon as one returns, so it cannot have gone past an unreported one.
        var names = new NameSlots();
        CrashOperation? underWay = null;
        foreach (CrashOperation operation in CrashWorkload.Generate(seed, int.MaxValue))
        {
            if (operation.Index > lastFlushed && operation.IsAcknowledged)
            {
                underWay = operation.Kind == CrashOperationKind.Flush ? null : operation;
                break;
            }

            if (operation.Kind is not (CrashOperationKind.Write or CrashOperationKind.SetLength or CrashOperationKind.Flush))
            {
                names.Apply(operation);
                continue;
            }

            FileModel model = models[operation.FileIndex];
            switch (operation.Kind)
            {
                case CrashOperationKind.Write:
                    model.Write(operation.FileOffset, CrashWorkload.DataOf(operation));
                    break;
                case CrashOperationKind.SetLength:
                    model.SetLength(operation.FileOffset);
                    break;
                default:
                    if (operation.Index <= lastFlushed)
                    {
                        model.MarkDurable();
                    }

                    break;
            }
        }

        long bytes = 0;
        for (int f = 0; f < models.Length; f++)
        {
            byte[] onDisk = File.ReadAllBytes(directory.File(CrashWorkload.FileName(f)));
            string? violation = models[f].FindCrashViolation(onDisk);
            Assert.True(violation is null, $"{OracleFailure} {seed} after {flushCount} reported flushes (last operation {lastFlushed}), file {f}: {violation} (replay: QUIRE_SEED={seed} QUIRE_KILL_RUNS=1)");
            bytes += models[f].DurableContent.Length;
        }

        string? nameViolation = names.FindCrashViolation(directory.Path, underWay);
        Assert.True(nameViolation is null, $"{OracleFailure} {seed} after {flushCount} reported flushes (last operation {lastFlushed}): {nameViolation} (replay: QUIRE_SEED={seed} QUIRE_KILL_RUNS=1)");

        output?.WriteLine($"seed {seed}: killed after {flushCount} reported flushes and changes of names ({names.Changes} of names), last operation {lastFlushed}");
        return (flushCount - names.Changes, bytes, names.Changes);
    }
}
