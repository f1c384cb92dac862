// DemoCommand: the `quire demo` command: its options, their checks, and the exit code of a run.
//
// Every value is checked while parsing, so a bad one is a usage error (exit 2) whose message names
// the option, before any file or pool exists. A run that fails exits 1 with the reason on the
// error writer; an interrupted one exits 130 after deleting its files.

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using Quire.Cli.Demo;
using Spectre.Console;
using static System.FormattableString;

namespace Quire.Cli.Commands;

internal static class DemoCommand
{
    // 64 MiB: the library's default pool, so the demo shows the cache as it ships.
    private const int DefaultMemoryMegabytes = 64;

    // 64 GiB: the pool is allocated up front; a larger value is almost surely a typing mistake.
    private const int MaxMemoryMegabytes = 64 << 10;

    // 4x the pool: large enough that the sequential write must evict and write back most of the
    // file, small enough that the default run ends in well under half a minute here.
    private const int DefaultFileToPoolRatio = 4;

    // 256 GiB: the demo writes two files of this size; more is almost surely a typing mistake.
    private const int MaxFileMegabytes = 256 << 10;

    private const int DefaultSeed = 1;

    public static Command Create(IAnsiConsole console)
    {
        var memoryMegabytes = new Option<int>("--memory-mb")
        {
            Description = Invariant($"The cache's pool in MiB, allocated up front (1 to {MaxMemoryMegabytes})."),
            DefaultValueFactory = _ => DefaultMemoryMegabytes,
        };
        var fileMegabytes = new Option<int?>("--file-mb")
        {
            Description = Invariant($"The size of the demo's file in MiB; larger than the pool (default: {DefaultFileToPoolRatio}x --memory-mb)."),
        };
        var pageSize = new Option<int>("--page-size")
        {
            Description = Invariant($"The page size in bytes: a power of two from {PageCacheOptions.MinPageSize} to {PageCacheOptions.MaxPageSize}."),
            DefaultValueFactory = _ => PageCacheOptions.MinPageSize,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "The seed of the file's byte pattern and of the random read offsets.",
            DefaultValueFactory = _ => DefaultSeed,
        };
        var directory = new Option<string?>("--directory")
        {
            Description = "An existing directory for the demo's files (default: a new directory under /var/tmp). The files are deleted afterwards.",
        };

        memoryMegabytes.Validators.Add(result => RequireInRange(result, "--memory-mb", 1, MaxMemoryMegabytes));
        fileMegabytes.Validators.Add(result => RequireInRange(result, "--file-mb", 1, MaxFileMegabytes));
        pageSize.Validators.Add(RequirePageSize);
        directory.Validators.Add(RequireExistingDirectory);

        var command = new Command("demo", "Writes and reads temporary files through the cache and through plain file I/O, checks every byte read, and prints what the cache did and how it compares.")
        {
            memoryMegabytes,
            fileMegabytes,
            pageSize,
            seed,
            directory,
        };
        command.Validators.Add(result => RequireFileLargerThanPool(result, memoryMegabytes, fileMegabytes));
        command.SetAction((parseResult, cancellationToken) =>
        {
            int memory = parseResult.GetValue(memoryMegabytes);
            var settings = new DemoSettings
            {
                MemoryLimitBytes = (long)memory << 20,
                FileBytes = (long)(parseResult.GetValue(fileMegabytes) ?? DefaultFileToPoolRatio * memory) << 20,
                PageSize = parseResult.GetValue(pageSize),
                Seed = parseResult.GetValue(seed),
                Directory = parseResult.GetValue(directory),
            };
            return Task.FromResult(Run(console, parseResult.InvocationConfiguration.Error, settings, cancellationToken));
        });
        return command;
    }

    /// <summary>Runs the demo and maps its outcome to an exit code, writing a failure's reason to <paramref name="error"/>.</summary>
    internal static int Run(IAnsiConsole console, TextWriter error, DemoSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            new DemoScenario(console, settings).Run(cancellationToken);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("quire demo: interrupted; the demo's files were deleted.");
            return ExitCodes.Interrupted;
        }
        catch (PatternMismatchException e)
        {
            error.WriteLine($"quire demo: data read back differs from what was written. {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException or OutOfMemoryException)
        {
            // IOException covers the cache's own failures (BackingStoreException,
            // WritebackFailedException, PageCacheExhaustedException); OutOfMemoryException is a
            // pool that cannot be allocated.
            error.WriteLine($"quire demo: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private static void RequireInRange(OptionResult result, string name, int min, int max)
    {
        if (TryGetInt32(result, out int value) && (value < min || value > max))
        {
            result.AddError(Invariant($"{name} must be from {min} to {max}, but it is {value}."));
        }
    }

    private static void RequirePageSize(OptionResult result)
    {
        if (TryGetInt32(result, out int value)
            && (value < PageCacheOptions.MinPageSize || value > PageCacheOptions.MaxPageSize || !BitOperations.IsPow2(value)))
        {
            result.AddError(Invariant(
                $"--page-size must be a power of two from {PageCacheOptions.MinPageSize} to {PageCacheOptions.MaxPageSize}, but it is {value}."));
        }
    }

    private static void RequireExistingDirectory(OptionResult result)
    {
        string? value = result.GetValueOrDefault<string?>();
        if (value is not null && !Directory.Exists(value))
        {
            result.AddError($"--directory must name an existing directory, but '{value}' is not one.");
        }
    }

    private static void RequireFileLargerThanPool(CommandResult result, Option<int> memoryMegabytes, Option<int?> fileMegabytes)
    {
        int memory = DefaultMemoryMegabytes;
        if (result.GetResult(memoryMegabytes) is { } memoryResult && !TryGetInt32(memoryResult, out memory))
        {
            return;
        }

        if (result.GetResult(fileMegabytes) is { } fileResult && TryGetInt32(fileResult, out int file) && file <= memory)
        {
            result.AddError(Invariant(
                $"--file-mb must be larger than --memory-mb ({memory}), so that the sequential write overflows the pool, but it is {file}."));
        }
    }

    /// <summary>
    /// The option's value, if it has one that parses. Validators run even when the value does not
    /// parse, and reading it then throws; System.CommandLine reports that error itself, naming the
    /// option, so a validator just skips the value.
    /// </summary>
    private static bool TryGetInt32(OptionResult result, out int value)
    {
        if (result.Implicit)
        {
            // No token: the default, which is valid by construction.
            int? defaultValue = result.GetValueOrDefault<int?>();
            value = defaultValue.GetValueOrDefault();
            return defaultValue.HasValue;
        }

        return int.TryParse(result.Tokens.Count == 1 ? result.Tokens[0].Value : null, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }
}
