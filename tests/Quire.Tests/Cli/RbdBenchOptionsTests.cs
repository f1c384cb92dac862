// Proves that `quire bench`'s RBD options are checked before anything runs: a --store that is not
// rbd:POOL/IMAGE, a missing --ceph-conf, a bad --ceph-timeout or --rbd-writes-in-flight, Ceph
// options without --store, --directory with --store and a local engine with --store are usage
// errors (exit 2) that name the option. No cluster is needed.

using Quire.Cli;

namespace Quire.Tests.Cli;

public sealed class RbdBenchOptionsTests
{
    [Theory]
    [InlineData("--store", "rbd:")]
    [InlineData("--store", "rbd:pool")]
    [InlineData("--store", "rbd:/image")]
    [InlineData("--store", "rbd:pool/")]
    [InlineData("--store", "rbd:pool/image/extra")]
    [InlineData("--store", "rbd:pool/image@snapshot")]
    [InlineData("--store", "rbd:po ol/image")]
    [InlineData("--store", "file:/tmp/x")]
    [InlineData("--store", "pool/image")]
    public async Task BadStoreIsAUsageErrorThatNamesTheOption(string option, string value)
    {
        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", option, value]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(option, run.Error, StringComparison.Ordinal);
        Assert.Contains(value, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("operations in", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--ceph-conf", "/nonexistent/ceph.conf")]
    [InlineData("--ceph-timeout", "0.5s")]
    [InlineData("--ceph-timeout", "soon")]
    [InlineData("--ceph-client", " ")]
    [InlineData("--rbd-writes-in-flight", "0")]
    [InlineData("--rbd-writes-in-flight", "65")]
    [InlineData("--rbd-writes-in-flight", "many")]
    [InlineData("--engines", "quire,os")]
    [InlineData("--engines", "librbd,librbd")]
    public async Task BadRbdOptionIsAUsageErrorThatNamesTheOption(string option, string value)
    {
        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", "--store", "rbd:rbd/bench", option, value]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(option, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("operations in", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--ceph-conf", "/etc/hostname")]
    [InlineData("--ceph-client", "admin")]
    [InlineData("--ceph-timeout", "5s")]
    [InlineData("--rbd-writes-in-flight", "4")]
    public async Task CephOptionWithoutStoreIsAUsageErrorThatNamesBoth(string option, string value)
    {
        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", option, value]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(option + " needs --store", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectoryWithStoreIsAUsageErrorThatNamesBoth()
    {
        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", "--store", "rbd:rbd/bench", "--directory", "/tmp"]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--directory", run.Error, StringComparison.Ordinal);
        Assert.Contains("--store", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RbdEnginesWithoutStoreAreAUsageError()
    {
        ToolRun run = await ToolRun.RunAsync(["bench", "seq-write", "--engines", "librbd"]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--engines", run.Error, StringComparison.Ordinal);
    }
}
