// CgroupMemoryController: where this machine's memory cgroup controller is, found from the mount
// table, /proc/self/cgroup and cgroup.controllers rather than assumed, and the names of its files,
// which differ between the two versions.
//
// Detection, in order:
//   1. cgroup v2: a cgroup2 mount whose cgroup.controllers lists memory. Bench groups are made at
//      the hierarchy's root: v2 forbids a group with processes in it from having child groups
//      that use controllers, so they cannot go under this process's own group.
//   2. cgroup v1: a cgroup mount with the memory super option. Bench groups are made under this
//      process's own memory group, so that any limit above it still holds.
//   3. Neither: no controller, and a sentence saying what was found.
//
// Locking: immutable.

namespace Quire.Cli.Bench.Machine;

internal sealed record CgroupMemoryController
{
    public const string SelfCgroupPath = "/proc/self/cgroup";

    /// <summary>1 or 2.</summary>
    public required int Version { get; init; }

    /// <summary>Where the hierarchy is mounted.</summary>
    public required string MountPoint { get; init; }

    /// <summary>The directory of this process's own memory group.</summary>
    public required string ProcessGroupDirectory { get; init; }

    /// <summary>The directory the bench makes its groups in.</summary>
    public required string ParentDirectory { get; init; }

    /// <summary>The file that limits the group's memory.</summary>
    public string LimitFile => Version == 2 ? "memory.max" : "memory.limit_in_bytes";

    /// <summary>The file a process id is written to, to move the process into the group.</summary>
    public string ProcessesFile => Version == 2 ? "cgroup.procs" : "tasks";

    /// <summary>The file with the group's peak memory since it was made, page cache included.</summary>
    public string PeakFile => Version == 2 ? "memory.peak" : "memory.max_usage_in_bytes";

    /// <summary>The file with the group's memory now, page cache included.</summary>
    public string UsageFile => Version == 2 ? "memory.current" : "memory.usage_in_bytes";

    /// <summary>The file with the "oom_kill N" line.</summary>
    public string OomFile => Version == 2 ? "memory.events" : "memory.oom_control";

    /// <summary>"cgroup v1 (/sys/fs/cgroup/memory)".</summary>
    public string Describe() => $"cgroup v{Version} ({MountPoint})";

    /// <summary>The controller of this process, or null with the reason in <paramref name="reason"/>.</summary>
    public static CgroupMemoryController? DetectSelf(out string reason) =>
        Detect(MountTable.ReadSelf(), File.Exists(SelfCgroupPath) ? File.ReadAllText(SelfCgroupPath) : string.Empty, ReadFileOrNull, out reason);

    /// <summary>Detects the controller from the texts given (see the steps above); null with a reason when there is none.</summary>
    /// <param name="mounts">The mount table (/proc/self/mountinfo).</param>
    /// <param name="selfCgroup">The text of /proc/self/cgroup: "ID:CONTROLLERS:PATH" lines; "0::PATH" is v2.</param>
    /// <param name="readFile">Reads a file (cgroup.controllers), or returns null where it does not exist.</param>
    /// <param name="reason">Why there is no controller, or what was found.</param>
    public static CgroupMemoryController? Detect(MountTable mounts, string selfCgroup, Func<string, string?> readFile, out string reason)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        ArgumentNullException.ThrowIfNull(selfCgroup);
        ArgumentNullException.ThrowIfNull(readFile);
        var found = new List<string>();
        foreach (MountTable.Mount mount in mounts.Mounts.Where(m => m.FileSystemType == "cgroup2"))
        {
            string? controllers = readFile(mount.MountPoint + "/cgroup.controllers");
            if (controllers is not null && controllers.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Contains("memory"))
            {
                reason = $"cgroup v2 at {mount.MountPoint} has the memory controller";
                return new CgroupMemoryController
                {
                    Version = 2,
                    MountPoint = mount.MountPoint,
                    ProcessGroupDirectory = Join(mount, GroupPath(selfCgroup, controller: null)),
                    ParentDirectory = mount.MountPoint,
                };
            }

            found.Add($"cgroup v2 at {mount.MountPoint} without the memory controller (cgroup.controllers: '{controllers?.Trim() ?? "unreadable"}')");
        }

        MountTable.Mount? v1 = mounts.Mounts.FirstOrDefault(m => m.FileSystemType == "cgroup" && m.SuperOptions.Contains("memory"));
        if (v1 is not null)
        {
            string group = Join(v1, GroupPath(selfCgroup, "memory"));
            reason = $"cgroup v1 memory controller at {v1.MountPoint}";
            return new CgroupMemoryController { Version = 1, MountPoint = v1.MountPoint, ProcessGroupDirectory = group, ParentDirectory = group };
        }

        found.Add("no cgroup v1 hierarchy with the memory controller");
        reason = "no memory cgroup controller here: " + string.Join("; ", found);
        return null;
    }

    /// <summary>This process's group path in the hierarchy with <paramref name="controller"/> (v1), or the "0::" line's (v2); "/" when not listed.</summary>
    private static string GroupPath(string selfCgroup, string? controller)
    {
        foreach (string line in selfCgroup.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] fields = line.Split(':', 3);
            if (fields.Length == 3 && (controller is null ? fields[0] == "0" && fields[1].Length == 0 : fields[1].Split(',').Contains(controller)))
            {
                return fields[2];
            }
        }

        return "/";
    }

    /// <summary>The directory of group <paramref name="groupPath"/> under <paramref name="mount"/>, whose root may itself be a group.</summary>
    private static string Join(MountTable.Mount mount, string groupPath)
    {
        string relative = mount.Root != "/" && groupPath.StartsWith(mount.Root, StringComparison.Ordinal) ? groupPath[mount.Root.Length..] : groupPath;
        relative = relative.Trim('/');
        return relative.Length == 0 ? mount.MountPoint : mount.MountPoint.TrimEnd('/') + "/" + relative;
    }

    private static string? ReadFileOrNull(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
