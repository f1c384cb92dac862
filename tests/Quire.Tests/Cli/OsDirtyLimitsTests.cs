// Proves that the bench's OS dirty limits are set as byte counts and that what was in force before
// comes back: a ratio when the byte count was zero (the kernel's default), else the byte count.
// A directory of files stands in for /proc/sys/vm, which keeps one of each pair in force.

using Quire.Cli.Bench.Machine;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Cli;

public sealed class OsDirtyLimitsTests
{
    [Fact]
    public void RatiosInForceAreSetAsByteCountsAndPutBackAsRatios()
    {
        using var vm = new TempDirectory();
        Write(vm, ("dirty_bytes", "0"), ("dirty_ratio", "20"), ("dirty_background_bytes", "0"), ("dirty_background_ratio", "10"));

        using (OsDirtyLimits.Set(limitBytes: 64 << 20, backgroundBytes: 32 << 20, vm.Path))
        {
            Assert.Equal("67108864", Read(vm, "dirty_bytes"));
            Assert.Equal("33554432", Read(vm, "dirty_background_bytes"));
            Write(vm, ("dirty_ratio", "0"), ("dirty_background_ratio", "0")); // as the kernel zeroes the other of each pair
        }

        Assert.Equal("20", Read(vm, "dirty_ratio"));
        Assert.Equal("10", Read(vm, "dirty_background_ratio"));
    }

    [Fact]
    public void ByteCountsInForceArePutBackAsByteCounts()
    {
        using var vm = new TempDirectory();
        Write(vm, ("dirty_bytes", "104857600"), ("dirty_ratio", "0"), ("dirty_background_bytes", "52428800"), ("dirty_background_ratio", "0"));

        OsDirtyLimits limits = OsDirtyLimits.Set(limitBytes: 1 << 20, backgroundBytes: 1 << 19, vm.Path);
        limits.Dispose();
        limits.Dispose(); // once only

        Assert.Equal("104857600", Read(vm, "dirty_bytes"));
        Assert.Equal("52428800", Read(vm, "dirty_background_bytes"));
    }

    [Theory]
    [InlineData(100, 100)]
    [InlineData(100, 0)]
    public void ABackgroundThresholdNotBelowTheLimitOrNotPositiveIsRefusedBeforeAnythingIsWritten(long limit, long background)
    {
        using var vm = new TempDirectory();
        Write(vm, ("dirty_bytes", "0"), ("dirty_ratio", "20"), ("dirty_background_bytes", "0"), ("dirty_background_ratio", "10"));

        Assert.Throws<ArgumentOutOfRangeException>(() => OsDirtyLimits.Set(limit, background, vm.Path));
        Assert.Equal("0", Read(vm, "dirty_bytes"));
        Assert.Equal("0", Read(vm, "dirty_background_bytes"));
    }

    [Fact]
    public void WithoutTheSettingsNothingIsWrittenAndTheErrorSaysWhich()
    {
        using var vm = new TempDirectory();

        Assert.Throws<FileNotFoundException>(() => OsDirtyLimits.Set(100, 50, vm.Path));
        Assert.Empty(Directory.GetFileSystemEntries(vm.Path));
    }

    private static void Write(TempDirectory vm, params (string Name, string Value)[] settings)
    {
        foreach ((string name, string value) in settings)
        {
            File.WriteAllText(Path.Combine(vm.Path, name), value + "\n");
        }
    }

    private static string Read(TempDirectory vm, string name) => File.ReadAllText(Path.Combine(vm.Path, name)).Trim();
}
