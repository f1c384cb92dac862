// Proves a save of the resident set is atomic under a process crash (Restart/ResidentSetFile): a
// child process (Quire.CrashChild save-resident-set) grows its resident set by one page and saves
// it, over and over, printing each save that returned; the test kills it (SIGKILL) at a seeded
// moment, most likely inside a save, and the file under the name must then be a valid set
// describing the last reported save's pages or the one under way: never torn, never older. A kill
// keeps what the OS has, so this proves the temporary-file-and-rename sequence, not what a power
// cut keeps (the fsyncs and the directory sync are in the code path every run takes).

using System.Diagnostics;
using System.Globalization;
using Quire.CrashChild;
using Quire.Restart;
using Quire.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Quire.Tests.Restart;

public sealed class ResidentSetKillTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(4UL)]
    public void AKillDuringASaveLeavesTheOldFileOrTheNewOne(ulong seed)
    {
        using var directory = new TempDirectory();
        WarmRestartFixture.CreateDataFile(Path.Combine(directory.Path, ResidentSetSaveLoop.DataFileName), 0, 4096);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(CrashWorkload).Assembly.Location);
        start.ArgumentList.Add("save-resident-set");
        start.ArgumentList.Add(directory.Path);
        string[] lines;
        using (Process child = Process.Start(start) ?? throw new InvalidOperationException("The crash child did not start."))
        {
            using var childOutput = new ChildOutputLines(child);
            Assert.True(childOutput.WaitForFirst(TimeSpan.FromSeconds(30)), $"seed {seed}: the child never started.");
            Thread.Sleep(TimeSpan.FromMilliseconds(100 + (seed * 104729 % 400))); // a seeded moment
            if (child.HasExited)
            {
                Assert.Fail($"seed {seed}: the child exited by itself with status {child.ExitCode}: {child.StandardError.ReadToEnd()}");
            }

            child.Kill(entireProcessTree: true);
            Assert.True(child.WaitForExit(20_000), $"seed {seed}: the child did not die.");
            Assert.True(childOutput.WaitForEnd(TimeSpan.FromSeconds(20)), "The child's output never closed.");
            Assert.Equal(137, child.ExitCode);
            lines = childOutput.Snapshot();
        }

        Assert.Equal("READY", lines[0]);
        long[] saves = [.. lines.Skip(1).Select(line => long.Parse(line.AsSpan("SAVED ".Length), CultureInfo.InvariantCulture))];

        output.WriteLine($"seed {seed}: {saves.Length} saves reported before the kill");
        Assert.True(saves.Length > 0, $"seed {seed}: no save returned before the kill: the test checked nothing.");
        string dump = Path.Combine(directory.Path, ResidentSetSaveLoop.DumpFileName);
        ResidentSetFile.LoadOutcome outcome = ResidentSetFile.TryLoad(dump, out ResidentSet? set, out string reason);
        Assert.True(outcome == ResidentSetFile.LoadOutcome.Loaded, $"seed {seed}: the file after the kill is {outcome}: {reason}");
        long last = saves[^1];
        Assert.True(set!.PageCount == last || set.PageCount == last + 1, $"seed {seed}: the file describes {set.PageCount} pages; the last save reported {last}.");
        Assert.Equal([(0L, set.PageCount)], set.Files.Single().Runs.GroupBy(_ => 0).Select(g => (g.First().FirstPage, g.Sum(r => (long)r.PageCount))));
        Assert.True(set.Files.Single().Runs.Zip(set.Files.Single().Runs.Skip(1)).All(pair => pair.First.EndPage == pair.Second.FirstPage), $"seed {seed}: the saved pages are not the first {set.PageCount}.");
    }
}
