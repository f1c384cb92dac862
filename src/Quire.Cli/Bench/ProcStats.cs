// ProcStats: what Linux says about this process's storage I/O (/proc/self/io: bytes this process
// caused to be read from or written to the device, page cache writeback included) and about the
// system's dirty memory (/proc/meminfo Dirty + Writeback, system-wide). Both read as 0 where the
// files do not exist, and callers say the figure is unavailable then.
//
// Locking: stateless.

using System.Globalization;

namespace Quire.Cli.Bench;

internal static class ProcStats
{
    private const string ProcessIOPath = "/proc/self/io";
    private const string MemInfoPath = "/proc/meminfo";

    /// <summary>Whether /proc/self/io can be read here.</summary>
    public static bool HasProcessIO { get; } = File.Exists(ProcessIOPath);

    /// <summary>Whether /proc/meminfo can be read here.</summary>
    public static bool HasMemInfo { get; } = File.Exists(MemInfoPath);

    /// <summary>(read_bytes, write_bytes) of /proc/self/io, or zeros where unavailable.</summary>
    public static (long ReadBytes, long WriteBytes) ReadProcessIO()
    {
        if (!HasProcessIO)
        {
            return (0, 0);
        }

        long read = 0;
        long written = 0;
        foreach (string line in File.ReadLines(ProcessIOPath))
        {
            if (line.StartsWith("read_bytes:", StringComparison.Ordinal))
            {
                read = ParseValue(line);
            }
            else if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
            {
                written = ParseValue(line);
            }
        }

        return (read, written);
    }

    /// <summary>The system's dirty and under-writeback memory in bytes (/proc/meminfo), or 0 where unavailable.</summary>
    public static long ReadSystemDirtyBytes()
    {
        if (!HasMemInfo)
        {
            return 0;
        }

        long kib = 0;
        foreach (string line in File.ReadLines(MemInfoPath))
        {
            if (line.StartsWith("Dirty:", StringComparison.Ordinal) || line.StartsWith("Writeback:", StringComparison.Ordinal))
            {
                kib += ParseValue(line.Replace("kB", string.Empty, StringComparison.Ordinal));
            }
        }

        return kib * 1024;
    }

    private static long ParseValue(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture);
}
