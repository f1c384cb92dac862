// Commands: runs a system command (mount, umount) for the tests that mount a file system of their
// own (RootFact), and gives its exit status.

using System.Diagnostics;

namespace Quire.Tests.Infrastructure;

internal static class Commands
{
    public static int Run(string command, string arguments)
    {
        using Process process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true })
            ?? throw new InvalidOperationException($"'{command}' did not start.");
        process.WaitForExit();
        return process.ExitCode;
    }
}
