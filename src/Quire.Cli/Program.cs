// Program: the `quire` tool's entry point: builds the command tree, parses, and maps the outcome to
// an exit code (ExitCodes). Commands live one per file under Commands/ and write through the
// IAnsiConsole they are given, so tests run the same code with captured output.
//
// Exit codes: a parse error (unknown option, unparsable or out-of-range value) is 2, with each
// error on the error writer; otherwise the command's own code; an interrupt that escapes a
// command is 130, not the silent 1 System.CommandLine would give it.

using System.CommandLine;
using Quire.Cli.Commands;
using Spectre.Console;

namespace Quire.Cli;

internal static class Program
{
    // 10 s: how long System.CommandLine waits after Ctrl+C for a command to stop before it ends
    // the process; enough for the demo to flush what is dirty and delete its files.
    private static readonly TimeSpan s_terminationTimeout = TimeSpan.FromSeconds(10);

    public static Task<int> Main(string[] args) =>
        RunAsync(args, AnsiConsole.Console, Console.Out, Console.Error, CancellationToken.None);

    /// <summary>Parses <paramref name="args"/> and runs the command they name.</summary>
    /// <param name="args">The command line, without the program name.</param>
    /// <param name="console">Where commands write their output.</param>
    /// <param name="output">Where help goes.</param>
    /// <param name="error">Where parse errors and failures go.</param>
    /// <param name="cancellationToken">Interrupts the command, as Ctrl+C does.</param>
    /// <returns>The process exit code; see <see cref="ExitCodes"/>.</returns>
    internal static async Task<int> RunAsync(IReadOnlyList<string> args, IAnsiConsole console, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = new RootCommand("quire: a user-space page cache, shown at work.")
        {
            DemoCommand.Create(console),
            BenchCommand.Create(console),
            TopCommand.Create(console),
        };
        ParseResult parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError parseError in parseResult.Errors)
            {
                await error.WriteLineAsync(parseError.Message);
            }

            await error.WriteLineAsync("Run 'quire --help' for usage.");
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            ProcessTerminationTimeout = s_terminationTimeout,
        };
        try
        {
            return await parseResult.InvokeAsync(configuration, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("quire: interrupted.");
            return ExitCodes.Interrupted;
        }
    }
}
