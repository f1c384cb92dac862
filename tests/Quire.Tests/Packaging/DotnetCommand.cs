// DotnetCommand: runs the dotnet CLI as a child process for the packaging tests, with a time limit,
// and returns its exit code and everything it printed.
//
// Build servers are off (no MSBuild node reuse, no shared compiler, no MSBuild server): a server
// left running would outlive the test and could hold its output pipes open.

using System.Diagnostics;
using System.Text;

namespace Quire.Tests.Packaging;

internal static class DotnetCommand
{
    /// <summary>The exit code of a run that was killed at its time limit.</summary>
    public const int TimedOut = -1;

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>,
    /// with <paramref name="environment"/> added to this process's environment, and kills it (and
    /// its children) after <paramref name="timeLimit"/>.
    /// </summary>
    public static (int ExitCode, string Output) Run(
        string workingDirectory,
        IReadOnlyList<string> arguments,
        TimeSpan timeLimit,
        IReadOnlyDictionary<string, string>? environment = null) =>
        Run(DotnetPath(), workingDirectory, arguments, timeLimit, environment);

    /// <summary>Runs <paramref name="fileName"/> as <see cref="Run(string, IReadOnlyList{string}, TimeSpan, IReadOnlyDictionary{string, string}?)"/> runs dotnet.</summary>
    public static (int ExitCode, string Output) Run(
        string fileName,
        string workingDirectory,
        IReadOnlyList<string> arguments,
        TimeSpan timeLimit,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // WaitForExit with a limit returns at the process's exit even if a grandchild still holds
        // the pipes; the parameterless one then drains what was printed.
        if (!process.WaitForExit(timeLimit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (TimedOut, $"{fileName} {string.Join(' ', arguments)}: killed after {timeLimit}.\n{Text(output)}");
        }

        process.WaitForExit();
        return (process.ExitCode, Text(output));
    }

    /// <summary>The dotnet executable that runs these tests, so the child uses the same SDK.</summary>
    private static string DotnetPath()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return host is not null && File.Exists(host) ? host : "dotnet";
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
