// OsDirtyLimits: the kernel's dirty limits (vm.dirty_bytes and vm.dirty_background_bytes) set for
// the run of one OS engine and restored afterwards. A memory cgroup of cgroup v1 has no dirty
// limit of its own (only cgroup v2 has per-cgroup writeback), so in one the OS page cache may
// fill nearly all of its memory with dirty pages; setting the machine's limits to a fraction of
// the budget gives the OS the limit cgroup v2 would (dirty_ratio of the group's memory), and
// gives it and Quire the same dirty policy when --dirty-ratio is given.
//
// Restoring: Linux keeps either a ratio or a byte count for each limit (writing one zeroes the
// other), so both files of each pair are read first and the one that was in force is written back.
//
// Locking: the bench's thread only.

using System.Globalization;

namespace Quire.Cli.Bench.Machine;

internal sealed class OsDirtyLimits : IDisposable
{
    /// <summary>Where the kernel's vm settings are.</summary>
    public const string SystemDirectory = "/proc/sys/vm";

    private readonly string _directory; // (I)
    private readonly (string File, string Value)[] _saved; // (I) the settings in force before, restored by Dispose
    private bool _restored;

    private OsDirtyLimits(string directory, (string File, string Value)[] saved)
    {
        _directory = directory;
        _saved = saved;
    }

    /// <summary>
    /// Sets the dirty limit to <paramref name="limitBytes"/> and the background threshold to
    /// <paramref name="backgroundBytes"/> in <paramref name="directory"/> (the kernel's vm directory,
    /// or another for tests) until disposed.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">Not permitted (not root).</exception>
    /// <exception cref="IOException">The settings could not be read or were refused.</exception>
    public static OsDirtyLimits Set(long limitBytes, long backgroundBytes, string directory = SystemDirectory)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(backgroundBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limitBytes, backgroundBytes);
        (string File, string Value)[] saved =
        [
            InForce(directory, "dirty_bytes", "dirty_ratio"),
            InForce(directory, "dirty_background_bytes", "dirty_background_ratio"),
        ];
        var limits = new OsDirtyLimits(directory, saved);
        try
        {
            // The background threshold first: the kernel refuses nothing here, but a background
            // threshold above the limit would be clamped meanwhile.
            Write(directory, "dirty_background_bytes", backgroundBytes);
            Write(directory, "dirty_bytes", limitBytes);
            return limits;
        }
        catch
        {
            limits.Dispose();
            throw;
        }
    }

    /// <summary>Puts back the settings in force before.</summary>
    public void Dispose()
    {
        if (_restored)
        {
            return;
        }

        _restored = true;
        foreach ((string file, string value) in _saved)
        {
            File.WriteAllText(Path.Combine(_directory, file), value);
        }
    }

    /// <summary>The one of a bytes/ratio pair in force: the byte count when it is not zero, else the ratio.</summary>
    private static (string File, string Value) InForce(string directory, string bytesFile, string ratioFile)
    {
        string bytes = File.ReadAllText(Path.Combine(directory, bytesFile)).Trim();
        return bytes != "0" ? (bytesFile, bytes) : (ratioFile, File.ReadAllText(Path.Combine(directory, ratioFile)).Trim());
    }

    private static void Write(string directory, string file, long value) =>
        File.WriteAllText(Path.Combine(directory, file), value.ToString(CultureInfo.InvariantCulture));
}
