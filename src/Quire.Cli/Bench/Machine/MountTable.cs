// MountTable: the mounts of /proc/self/mountinfo, parsed from its text, so that the bench can find
// the cgroup hierarchies and the device that holds a directory without assuming either. Each line
// is "ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
// (proc(5)); spaces and backslashes in paths are octal escapes (\040).
//
// Locking: immutable.

using System.Globalization;
using System.Text;

namespace Quire.Cli.Bench.Machine;

internal sealed class MountTable
{
    public const string SelfPath = "/proc/self/mountinfo";

    private MountTable(IReadOnlyList<Mount> mounts)
    {
        Mounts = mounts;
    }

    public IReadOnlyList<Mount> Mounts { get; }

    /// <summary>The mounts of this process, or an empty table where /proc is not there.</summary>
    public static MountTable ReadSelf() => Parse(File.Exists(SelfPath) ? File.ReadAllText(SelfPath) : string.Empty);

    /// <summary>Parses mountinfo text; lines that do not have the documented shape are skipped.</summary>
    public static MountTable Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var mounts = new List<Mount>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] fields = line.Split(' ');
            int separator = Array.IndexOf(fields, "-");
            if (separator < 6 || separator + 3 >= fields.Length)
            {
                continue;
            }

            string[] device = fields[2].Split(':');
            if (device.Length != 2
                || !int.TryParse(device[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major)
                || !int.TryParse(device[1], NumberStyles.None, CultureInfo.InvariantCulture, out int minor))
            {
                continue;
            }

            mounts.Add(new Mount(
                major,
                minor,
                Unescape(fields[3]),
                Unescape(fields[4]),
                fields[separator + 1],
                Unescape(fields[separator + 2]),
                fields[separator + 3].Split(',')));
        }

        return new MountTable(mounts);
    }

    /// <summary>The mount that holds <paramref name="path"/>: the last-mounted one whose mount point is its longest prefix.</summary>
    public Mount? MountOf(string path)
    {
        string full = Path.GetFullPath(path);
        Mount? best = null;
        foreach (Mount mount in Mounts)
        {
            bool under = mount.MountPoint == "/" || full == mount.MountPoint || full.StartsWith(mount.MountPoint + "/", StringComparison.Ordinal);
            if (under && (best is null || mount.MountPoint.Length >= best.MountPoint.Length))
            {
                best = mount;
            }
        }

        return best;
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length
                && int.TryParse(field.AsSpan(i + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }

    /// <summary>One mount: the device numbers, the mounted root, where, the file system type, its source and super options.</summary>
    internal sealed record Mount(int Major, int Minor, string Root, string MountPoint, string FileSystemType, string Source, IReadOnlyList<string> SuperOptions);
}
