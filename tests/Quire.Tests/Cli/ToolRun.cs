// Runs the `quire` tool's real entry point (Program.RunAsync) with its console, output and error
// captured, for the command tests: a recording IAnsiConsole that is not interactive (so progress
// and live views fall back to plain lines) and wide enough that no line is wrapped.

using Quire.Cli;
using Spectre.Console;

namespace Quire.Tests.Cli;

internal sealed record ToolRun(int ExitCode, string Output, string Error)
{
    public static async Task<ToolRun> RunAsync(string[] args, Action<string>? onOutput = null, CancellationToken cancellationToken = default)
    {
        var consoleWriter = new ObservedWriter(onOutput);
        var output = new StringWriter();
        var error = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(consoleWriter),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 240;
        int exitCode = await Program.RunAsync(args, console, output, error, cancellationToken);
        return new ToolRun(exitCode, consoleWriter.ToString() + output, error.ToString());
    }

    public override string ToString() => $"Exit code {ExitCode}.\nOutput:\n{Output}\nError:\n{Error}";

    /// <summary>A string writer that shows each write to an observer, to act at a point in the output.</summary>
    private sealed class ObservedWriter(Action<string>? onWrite) : StringWriter
    {
        public override void Write(string? value)
        {
            base.Write(value);
            if (value is not null)
            {
                onWrite?.Invoke(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            base.Write(buffer, index, count);
            onWrite?.Invoke(new string(buffer, index, count));
        }
    }
}
