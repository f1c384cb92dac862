// Proves that the bench finds the memory cgroup controller from the texts the kernel gives
// (/proc/self/mountinfo, /proc/self/cgroup, cgroup.controllers), fed here as samples: cgroup v1
// only, v2 with the memory controller, v2 without it beside v1 (this machine's layout), neither,
// and a v1 hierarchy mounted at a group (a container); and that the mount table parses the
// escapes and finds the mount that holds a path.

using Quire.Cli.Bench.Machine;

namespace Quire.Tests.Cli;

public sealed class CgroupMemoryControllerTests
{
    private const string RootMount = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n";

    private const string V1Mounts = RootMount
        + "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        + "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        + "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        + "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n";

    private const string UnifiedWithoutMemory = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

    private const string V1SelfCgroup = "9:name=systemd:/\n4:memory:/process_api/64baa115\n1:cpu:/\n0::/\n";

    [Fact]
    public void V1OnlyIsFoundAndGroupsGoUnderTheProcesssOwnMemoryGroup()
    {
        CgroupMemoryController? controller = CgroupMemoryController.Detect(MountTable.Parse(V1Mounts), V1SelfCgroup, _ => null, out string reason);

        Assert.NotNull(controller);
        Assert.Equal(1, controller.Version);
        Assert.Equal("/sys/fs/cgroup/memory", controller.MountPoint);
        Assert.Equal("/sys/fs/cgroup/memory/process_api/64baa115", controller.ProcessGroupDirectory);
        Assert.Equal(controller.ProcessGroupDirectory, controller.ParentDirectory);
        Assert.Equal(("memory.limit_in_bytes", "tasks", "memory.max_usage_in_bytes", "memory.usage_in_bytes"), (controller.LimitFile, controller.ProcessesFile, controller.PeakFile, controller.UsageFile));
        Assert.Contains("cgroup v1", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void V2WithoutMemoryBesideV1MemoryChoosesV1()
    {
        Dictionary<string, string> files = new() { ["/sys/fs/cgroup/unified/cgroup.controllers"] = "hugetlb\n" };

        CgroupMemoryController? controller = CgroupMemoryController.Detect(MountTable.Parse(V1Mounts + UnifiedWithoutMemory), V1SelfCgroup, files.GetValueOrDefault, out _);

        Assert.NotNull(controller);
        Assert.Equal(1, controller.Version);
    }

    [Fact]
    public void V2WithMemoryIsChosenAndGroupsGoAtItsRoot()
    {
        string mounts = RootMount + "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
        Dictionary<string, string> files = new() { ["/sys/fs/cgroup/cgroup.controllers"] = "cpuset cpu io memory hugetlb pids rdma misc\n" };

        CgroupMemoryController? controller = CgroupMemoryController.Detect(MountTable.Parse(mounts), "0::/user.slice/user-0.slice/session-3.scope\n", files.GetValueOrDefault, out string reason);

        Assert.NotNull(controller);
        Assert.Equal(2, controller.Version);
        Assert.Equal("/sys/fs/cgroup", controller.ParentDirectory);
        Assert.Equal("/sys/fs/cgroup/user.slice/user-0.slice/session-3.scope", controller.ProcessGroupDirectory);
        Assert.Equal(("memory.max", "cgroup.procs", "memory.peak", "memory.current"), (controller.LimitFile, controller.ProcessesFile, controller.PeakFile, controller.UsageFile));
        Assert.Contains("cgroup v2", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NeitherGivesNoControllerAndSaysWhatWasFound()
    {
        Dictionary<string, string> files = new() { ["/sys/fs/cgroup/unified/cgroup.controllers"] = "hugetlb\n" };
        string mounts = RootMount + "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n" + UnifiedWithoutMemory;

        CgroupMemoryController? controller = CgroupMemoryController.Detect(MountTable.Parse(mounts), "1:cpu:/\n0::/\n", files.GetValueOrDefault, out string reason);

        Assert.Null(controller);
        Assert.Contains("no memory cgroup controller", reason, StringComparison.Ordinal);
        Assert.Contains("'hugetlb'", reason, StringComparison.Ordinal);
        Assert.Contains("no cgroup v1 hierarchy with the memory controller", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NoCgroupMountsAtAllGiveNoController()
    {
        Assert.Null(CgroupMemoryController.Detect(MountTable.Parse(RootMount), string.Empty, _ => null, out string reason));
        Assert.Contains("no memory cgroup controller", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void V1MountedAtAGroupJoinsThePathBelowTheMountsRoot()
    {
        string mounts = "100 90 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n";

        CgroupMemoryController? controller = CgroupMemoryController.Detect(MountTable.Parse(mounts), "4:memory:/docker/abc\n", _ => null, out _);

        Assert.NotNull(controller);
        Assert.Equal("/sys/fs/cgroup/memory", controller.ParentDirectory);
    }

    [Fact]
    public void MountTableUnescapesPathsAndFindsTheLongestMountPointOfAPath()
    {
        MountTable table = MountTable.Parse(RootMount
            + "50 27 0:45 / /mnt/my\\040disk rw - xfs /dev/sdb1 rw\n"
            + "51 27 0:46 / /tmp rw - tmpfs tmpfs rw\n"
            + "not a mountinfo line\n");

        Assert.Equal(3, table.Mounts.Count);
        Assert.Equal("xfs", table.MountOf("/mnt/my disk/a/b")!.FileSystemType);
        Assert.Equal("tmpfs", table.MountOf("/tmp/x")!.FileSystemType);
        Assert.Equal("ext4", table.MountOf("/tmpfoo")!.FileSystemType);
        Assert.Equal((254, 0), (table.MountOf("/var/tmp")!.Major, table.MountOf("/var/tmp")!.Minor));
    }
}
