// MemoryCgroupFact: a test that makes memory cgroups. Where this process cannot (not root, or
// no memory cgroup controller), the test is reported as skipped with the reason, never as passed.

using Quire.Cli.Bench.Machine;

namespace Quire.Tests.Cli;

public sealed class MemoryCgroupFactAttribute : FactAttribute
{
    public MemoryCgroupFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "memory cgroups are Linux's";
        }
        else if (!Environment.IsPrivilegedProcess)
        {
            Skip = "making a memory cgroup needs root";
        }
        else if (CgroupMemoryController.DetectSelf(out string reason) is null)
        {
            Skip = reason;
        }
    }
}
