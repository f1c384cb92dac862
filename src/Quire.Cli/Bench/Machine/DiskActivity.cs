// DiskActivity: how busy the device that holds the bench's files is: the io_ticks field of
// /proc/diskstats (milliseconds the device had I/O in flight), read before and after a run, over
// the run's wall time. The device is found from the mount table's major:minor for the directory,
// and a partition is mapped to its whole disk through /sys/dev/block, since the disk's queue is
// what saturates.
//
// Locking: immutable.

using System.Globalization;

namespace Quire.Cli.Bench.Machine;

internal sealed class DiskActivity
{
    private const string DiskStatsPath = "/proc/diskstats";

    // Field 13 of a /proc/diskstats line (0-based 12): io_ticks, ms spent doing I/Os.
    private const int IoTicksField = 12;

    private DiskActivity(string deviceName)
    {
        DeviceName = deviceName;
    }

    /// <summary>The kernel's name of the disk, e.g. vda.</summary>
    public string DeviceName { get; }

    /// <summary>The disk that holds <paramref name="path"/>, or null with the reason (a virtual file system, no /proc).</summary>
    public static DiskActivity? ForPath(string path, out string reason)
    {
        if (!File.Exists(DiskStatsPath))
        {
            reason = "no /proc/diskstats";
            return null;
        }

        MountTable.Mount? mount = MountTable.ReadSelf().MountOf(path);
        if (mount is null || mount.Major == 0)
        {
            reason = $"'{path}' is on {mount?.FileSystemType ?? "an unknown mount"}, which has no block device";
            return null;
        }

        string sysPath = $"/sys/dev/block/{mount.Major}:{mount.Minor}";
        string name = mount.Source.StartsWith("/dev/", StringComparison.Ordinal) ? mount.Source[5..] : mount.Source;
        if (Directory.Exists(sysPath))
        {
            var device = new DirectoryInfo(sysPath);
            string? resolved = device.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? device.FullName;
            name = Path.GetFileName(resolved);
            if (File.Exists(Path.Combine(resolved, "partition")))
            {
                name = Path.GetFileName(Path.GetDirectoryName(resolved)!);
            }
        }

        var activity = new DiskActivity(name);
        if (activity.ReadIoTicksMilliseconds() is null)
        {
            reason = $"no line for {name} in /proc/diskstats";
            return null;
        }

        reason = $"{name} (/proc/diskstats io_ticks)";
        return activity;
    }

    /// <summary>The device's io_ticks now, in milliseconds, or null when its line is gone.</summary>
    public long? ReadIoTicksMilliseconds()
    {
        foreach (string line in File.ReadLines(DiskStatsPath))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > IoTicksField && fields[2] == DeviceName)
            {
                return long.Parse(fields[IoTicksField], NumberStyles.Integer, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
