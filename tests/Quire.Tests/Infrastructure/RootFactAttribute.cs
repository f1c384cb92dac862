// RootFact: a test that mounts a file system of its own (a small tmpfs, to fill a device for
// real). Not root, it is reported as skipped with the reason, never as passed.

namespace Quire.Tests.Infrastructure;

public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Skip = "mounting a file system needs root on Linux";
        }
    }
}
