// BenchCommand: the `quire bench WORKLOAD` command: runs one workload through Quire and, on the
// same files in the same run, through the baselines (the OS page cache, mmap, O_DIRECT), and
// prints a table per engine with the ratios to the OS page cache.
//
// Exit codes: 2 for a bad command line (the message names the option), 1 when an engine failed
// (the others' figures are still printed), 130 when interrupted (the figures so far are printed
// and written), 0 otherwise. The files, and the directory when the command made it, are deleted
// in every case.

using System.CommandLine;
using Quire.Cli.Bench;
using Quire.Cli.Bench.Engines;
using Spectre.Console;

namespace Quire.Cli.Commands;

internal static class BenchCommand
{
    private static readonly string[] s_engineNames = [QuireEngine.EngineName, OsEngine.EngineName, MmapEngine.EngineName, DirectEngine.EngineName];

    public static Command Create(IAnsiConsole console)
    {
        BenchOptions options = BenchOptions.Create();
        var workload = new Argument<string>("WORKLOAD")
        {
            Description = "The workload: " + string.Join(", ", BenchWorkloads.Names) + ".",
        };
        workload.Validators.Add(result => BenchWorkloads.RequireName(result, "WORKLOAD"));
        var engines = new Option<string>("--engines")
        {
            Description = "The engines to run, comma-separated, in order: " + string.Join(", ", s_engineNames) + " (default: all).",
            DefaultValueFactory = _ => string.Join(',', s_engineNames),
        };
        engines.Validators.Add(result =>
        {
            string? value = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
            if (!result.Implicit && ParseEngines(value) is null)
            {
                result.AddError($"--engines must be a comma-separated list of distinct engines from {string.Join(", ", s_engineNames)}, but it is '{value}'.");
            }
        });
        var json = new Option<string?>("--json") { Description = "Also write every figure, ratio and sample as JSON to this file." };
        var csv = new Option<string?>("--csv") { Description = "Also write one row of figures per engine as CSV to this file." };
        var chart = new Option<string?>("--chart") { Description = "Also write an SVG chart (dirty bytes, throughput and thresholds over time; ratio bars) to this file." };
        json.Validators.Add(result => BenchOptions.RequireWritablePath(result, "--json"));
        csv.Validators.Add(result => BenchOptions.RequireWritablePath(result, "--csv"));
        chart.Validators.Add(result => BenchOptions.RequireWritablePath(result, "--chart"));

        var command = new Command("bench", "Runs a workload through Quire and through the OS page cache, mmap and O_DIRECT on the same files, and prints each engine's figures with its ratio to the OS page cache.")
        {
            workload,
            engines,
            json,
            csv,
            chart,
        };
        options.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            BenchWorkload chosen = BenchWorkloads.Parse(parseResult.GetValue(workload));
            BenchSettings settings = options.Settings(parseResult, chosen, ParseEngines(parseResult.GetValue(engines))!);
            var outputs = new BenchOutputs(parseResult.GetValue(json), parseResult.GetValue(csv), parseResult.GetValue(chart));
            return Task.FromResult(Run(console, parseResult.InvocationConfiguration.Error, settings, outputs, cancellationToken));
        });
        return command;
    }

    /// <summary>Runs the bench and maps its outcome to an exit code.</summary>
    internal static int Run(IAnsiConsole console, TextWriter error, BenchSettings settings, BenchOutputs outputs, CancellationToken cancellationToken)
    {
        var session = new BenchSession(console, error, settings, outputs);
        try
        {
            return session.Run(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("quire bench: interrupted before any engine ran; the bench's files were deleted.");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OutOfMemoryException)
        {
            error.WriteLine($"quire bench: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>The engine names of a comma-separated list, or null when one is unknown or repeated.</summary>
    private static List<string>? ParseEngines(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        List<string> names = [.. value.Split(',', StringSplitOptions.TrimEntries)];
        return names.TrueForAll(name => s_engineNames.Contains(name, StringComparer.Ordinal)) && names.Distinct(StringComparer.Ordinal).Count() == names.Count
            ? names
            : null;
    }
}
