// CephClusterFixture: one one-node Ceph cluster (scripts/ceph-cluster) for the tests of the
// "Ceph" collection: started on first use in a temporary folder, stopped (exactly the daemons it
// started) when the collection ends. Each test makes its own images (NewImageName) and a
// connection with a short operation timeout, so a stopped OSD fails operations in seconds.

using System.Diagnostics;
using Quire.Ceph;

namespace Quire.Tests.Ceph;

public sealed class CephClusterFixture : IDisposable
{
    /// <summary>The operation timeout of the tests' connections: short, so fault tests finish quickly.</summary>
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(3);

    private static int s_imageCount;
    private readonly string _directory = Path.Combine(Directory.Exists("/var/tmp") ? "/var/tmp" : Path.GetTempPath(), "quire-ceph-" + Guid.NewGuid().ToString("N"));

    public CephClusterFixture()
    {
        if (MissingReason() is not null)
        {
            return;
        }

        string output = RunScript("start", _directory);
        ConfigurationFile = output.Trim().Split('\n')[^1];
        if (!File.Exists(ConfigurationFile))
        {
            throw new InvalidOperationException($"scripts/ceph-cluster start printed no configuration file: {output}");
        }
    }

    /// <summary>The cluster's ceph.conf.</summary>
    public string ConfigurationFile { get; } = "";

    /// <summary>Why the Ceph tests cannot run here, or null when they can.</summary>
    public static string? MissingReason()
    {
        string[] path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':');
        if (!path.Any(p => File.Exists(Path.Combine(p, "ceph-mon"))))
        {
            return "Ceph is not installed (no ceph-mon on the PATH); scripts/ceph-cluster install installs it.";
        }

        if (!File.Exists("/usr/lib/x86_64-linux-gnu/librbd.so.1") && !File.Exists("/usr/lib/aarch64-linux-gnu/librbd.so.1") && !File.Exists("/usr/lib64/librbd.so.1"))
        {
            return "librbd.so.1 is not installed.";
        }

        return null;
    }

    /// <summary>A new connection to the cluster with the tests' short operation timeout.</summary>
    public CephCluster Connect() => CephCluster.Connect(new CephConnectionOptions
    {
        ConfigurationFile = ConfigurationFile,
        OperationTimeout = OperationTimeout,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    });

    /// <summary>A name no other test uses.</summary>
    public static string NewImageName(string stem) => $"{stem}-{Environment.ProcessId}-{Interlocked.Increment(ref s_imageCount)}";

    /// <summary>Makes the OSD stop answering (SIGSTOP) or answer again.</summary>
    public void SetOsdRunning(bool running) => RunScript(running ? "start-osd" : "stop-osd", _directory);

    public void Dispose()
    {
        if (ConfigurationFile.Length > 0)
        {
            RunScript("stop", _directory);
        }
    }

    private static string RunScript(string command, string directory)
    {
        string script = Path.Combine(RepositoryRoot(), "scripts", "ceph-cluster");
        var start = new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(command);
        start.ArgumentList.Add(directory);
        using var process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"scripts/ceph-cluster {command} did not finish in 2 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/ceph-cluster {command} failed ({process.ExitCode}): {error.Result}");
        }

        return output;
    }

    private static string RepositoryRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Quire.slnx")))
            {
                return directory;
            }
        }

        throw new InvalidOperationException("The repository root (with Quire.slnx) is not above the test assembly.");
    }
}
