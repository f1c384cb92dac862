// MemoryCgroup: one memory cgroup the bench makes for one engine's process: made with a limit,
// the process put in it by the process itself (it writes its own pid to ProcessesFile before it
// starts the runtime), its peak read after the process exits, and removed.
//
// Locking: the creating thread only. Dispose removes the directory; the kernel refuses while a
// process is still in the group, so removal retries for a bounded time.

using System.Globalization;
using static System.FormattableString;

namespace Quire.Cli.Bench.Machine;

internal sealed class MemoryCgroup : IDisposable
{
    // 50 x 20 ms: an exited process leaves its group within milliseconds; a second is ample.
    private const int RemoveAttempts = 50;
    private static readonly TimeSpan s_removeRetryInterval = TimeSpan.FromMilliseconds(20);

    private readonly CgroupMemoryController _controller; // (I)
    private bool _removed;

    private MemoryCgroup(CgroupMemoryController controller, string directory, long limitBytes)
    {
        _controller = controller;
        Directory = directory;
        LimitBytes = limitBytes;
    }

    public string Directory { get; }

    public long LimitBytes { get; }

    /// <summary>The file a process writes its pid to, to enter the group.</summary>
    public string ProcessesPath => Path.Combine(Directory, _controller.ProcessesFile);

    /// <summary>Makes the group <paramref name="name"/> under the controller's parent directory, limited to <paramref name="limitBytes"/>.</summary>
    /// <exception cref="UnauthorizedAccessException">Not permitted (not root, no delegation).</exception>
    /// <exception cref="IOException">The group exists already or the limit was refused.</exception>
    public static MemoryCgroup Create(CgroupMemoryController controller, string name, long limitBytes)
    {
        ArgumentNullException.ThrowIfNull(controller);
        string directory = Path.Combine(controller.ParentDirectory, name);
        if (controller.Version == 2)
        {
            EnableMemoryForChildren(controller.ParentDirectory);
        }

        System.IO.Directory.CreateDirectory(directory);
        var group = new MemoryCgroup(controller, directory, limitBytes);
        try
        {
            File.WriteAllText(Path.Combine(directory, controller.LimitFile), limitBytes.ToString(CultureInfo.InvariantCulture));
            return group;
        }
        catch
        {
            group.Dispose();
            throw;
        }
    }

    /// <summary>The group's peak memory in bytes since it was made, page cache included.</summary>
    public long ReadPeakBytes() => ReadNumber(Path.Combine(Directory, _controller.PeakFile));

    /// <summary>How many processes of the group the OOM killer ended (0 where the kernel does not say).</summary>
    public long ReadOomKills()
    {
        string path = Path.Combine(Directory, _controller.OomFile);
        if (!File.Exists(path))
        {
            return 0;
        }

        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("oom_kill ", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan("oom_kill ".Length), NumberStyles.Integer, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>The memory now charged to the group of this process (<paramref name="controller"/>'s usage file), in bytes.</summary>
    public static long ReadOwnUsageBytes(CgroupMemoryController controller)
    {
        ArgumentNullException.ThrowIfNull(controller);
        return ReadNumber(Path.Combine(controller.ProcessGroupDirectory, controller.UsageFile));
    }

    /// <summary>Removes the group, retrying while its last process is leaving.</summary>
    /// <exception cref="IOException">The group is still in use after the retries.</exception>
    public void Dispose()
    {
        if (_removed)
        {
            return;
        }

        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (System.IO.Directory.Exists(Directory))
                {
                    System.IO.Directory.Delete(Directory);
                }

                _removed = true;
                return;
            }
            catch (IOException) when (attempt < RemoveAttempts)
            {
                Thread.Sleep(s_removeRetryInterval);
            }
        }
    }

    private static void EnableMemoryForChildren(string parent)
    {
        string control = Path.Combine(parent, "cgroup.subtree_control");
        if (File.Exists(control) && !File.ReadAllText(control).Split(' ', '\n').Contains("memory"))
        {
            File.WriteAllText(control, "+memory");
        }
    }

    private static long ReadNumber(string path)
    {
        string text = File.ReadAllText(path).Trim();
        return text == "max" ? long.MaxValue
            : long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value
            : throw new IOException(Invariant($"'{path}' holds '{text}', not a number of bytes."));
    }
}
