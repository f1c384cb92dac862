// BenchOptions: the options `quire bench` and `quire top` share, their checks, and the settings
// they make. Every value is checked while parsing, so a bad one is a usage error (exit 2) whose
// message names the option, before any file or pool exists.
//
// Sizes take a binary unit (512KiB, 64MiB, 2GiB; K, M, G, T, with or without "iB", any case; a
// bare number is bytes). Durations take a unit (500ms, 10s, 2m).
// Locking: immutable after Create.

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using static System.FormattableString;

namespace Quire.Cli.Bench;

internal sealed class BenchOptions
{
    // 64 MiB: the library's default pool, so the bench measures the cache as it ships.
    private const long DefaultPoolBytes = 64L << 20;

    // 256 KiB: 64 pages of 4 KiB; smaller pools leave the page writer and the throttle no room.
    public const long MinPoolBytes = 256L << 10;

    // 64 GiB: the pool is allocated up front; a larger value is almost surely a typing mistake.
    private const long MaxPoolBytes = 64L << 30;

    // 1 TiB: the bench writes files of this size; more is almost surely a typing mistake.
    private const long MaxFileBytes = 1L << 40;

    // 256 threads: far more than the cores of any machine this runs on; more is a typing mistake.
    private const int MaxThreads = 256;

    // 24 hours: longer runs are a typing mistake.
    private static readonly TimeSpan s_maxDuration = TimeSpan.FromHours(24);

    private BenchOptions()
    {
    }

    public Option<string> Pool { get; } = new("--pool")
    {
        Description = "The cache's pool, allocated up front (e.g. 64MiB, 1GiB; a bare number is bytes).",
        DefaultValueFactory = _ => "64MiB",
    };

    public Option<string?> FileSize { get; } = new("--file-size")
    {
        Description = "The main file's size (default: the workload's multiple of the pool, e.g. 4x for seq-write).",
    };

    public Option<int> PageSize { get; } = new("--page-size")
    {
        Description = Invariant($"The page size in bytes: a power of two from {PageCacheOptions.MinPageSize} to {PageCacheOptions.MaxPageSize}."),
        DefaultValueFactory = _ => PageCacheOptions.MinPageSize,
    };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = Invariant($"Worker threads doing the counted operations (1 to {MaxThreads}); scan-resistance and fsync-latency add one more."),
        DefaultValueFactory = _ => 1,
    };

    public Option<string?> Duration { get; } = new("--duration")
    {
        Description = "The time limit of each engine's run (e.g. 10s, 500ms, 2m; default 10s unless --ops is given).",
    };

    public Option<long?> Operations { get; } = new("--ops")
    {
        Description = "The number of counted operations of each engine's run (the first limit reached ends it).",
    };

    public Option<int> Seed { get; } = new("--seed")
    {
        Description = "The seed of the random offsets and the data written.",
        DefaultValueFactory = _ => 1,
    };

    public Option<string?> Directory { get; } = new("--directory")
    {
        Description = "An existing directory for the files (default: a new directory under /tmp). The files are deleted afterwards.",
    };

    public Option<string> Cold { get; } = new("--cold")
    {
        Description = "How cold runs empty the OS page cache: auto (drop-caches as root, else fadvise), fadvise or drop-caches.",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>Creates the options with their checks.</summary>
    public static BenchOptions Create()
    {
        var options = new BenchOptions();
        options.Pool.Validators.Add(result => RequireSize(result, "--pool", MinPoolBytes, MaxPoolBytes));
        options.FileSize.Validators.Add(result => RequireSize(result, "--file-size", 64L << 10, MaxFileBytes));
        options.PageSize.Validators.Add(RequirePageSize);
        options.Threads.Validators.Add(result => RequireInRange(result, "--threads", 1, MaxThreads));
        options.Duration.Validators.Add(RequireDuration);
        options.Operations.Validators.Add(result => RequireInRange(result, "--ops", 1, long.MaxValue));
        options.Directory.Validators.Add(RequireExistingDirectory);
        options.Cold.Validators.Add(result =>
        {
            string? value = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
            if (!result.Implicit && value is not ("auto" or "fadvise" or "drop-caches"))
            {
                result.AddError($"--cold must be auto, fadvise or drop-caches, but it is '{value}'.");
            }
        });
        return options;
    }

    /// <summary>Adds every option to <paramref name="command"/>, and the checks that span two of them.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Validators.Add(RequirePoolOfEnoughPages);
        command.Options.Add(Pool);
        command.Options.Add(FileSize);
        command.Options.Add(PageSize);
        command.Options.Add(Threads);
        command.Options.Add(Duration);
        command.Options.Add(Operations);
        command.Options.Add(Seed);
        command.Options.Add(Directory);
        command.Options.Add(Cold);
    }

    /// <summary>The settings the parsed command line asks for; every value was checked by the validators.</summary>
    public BenchSettings Settings(ParseResult parseResult, BenchWorkload workload, IReadOnlyList<string> engines)
    {
        long? operations = parseResult.GetValue(Operations);
        string? duration = parseResult.GetValue(Duration);
        string? fileSize = parseResult.GetValue(FileSize);
        return new BenchSettings
        {
            Workload = workload,
            PoolBytes = ParseSizeOrThrow(parseResult.GetValue(Pool)!),
            FileBytes = fileSize is null ? null : ParseSizeOrThrow(fileSize),
            PageSize = parseResult.GetValue(PageSize),
            Threads = parseResult.GetValue(Threads),
            Duration = duration is not null ? ParseDurationOrThrow(duration) : operations is null ? BenchSettings.DefaultDuration : null,
            Operations = operations,
            Seed = parseResult.GetValue(Seed),
            Engines = engines,
            Directory = parseResult.GetValue(Directory),
            ColdCache = parseResult.GetValue(Cold) switch
            {
                "fadvise" => ColdCacheMethod.Fadvise,
                "drop-caches" => ColdCacheMethod.DropCaches,
                _ => ColdCacheMethod.Auto,
            },
        };
    }

    /// <summary>Parses a size with an optional binary unit; false if it does not parse or overflows.</summary>
    public static bool TryParseSize(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string value = text.Trim();
        int unitStart = value.Length;
        while (unitStart > 0 && char.IsLetter(value[unitStart - 1]))
        {
            unitStart--;
        }

        int shift = value[unitStart..].ToUpperInvariant() switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 10,
            "M" or "MB" or "MIB" => 20,
            "G" or "GB" or "GIB" => 30,
            "T" or "TB" or "TIB" => 40,
            _ => -1,
        };
        if (shift < 0 || !long.TryParse(value[..unitStart].TrimEnd(), NumberStyles.None, CultureInfo.InvariantCulture, out long number)
            || number > long.MaxValue >> shift)
        {
            return false;
        }

        bytes = number << shift;
        return true;
    }

    /// <summary>Parses a duration with a unit (ms, s, m, h); false if it does not parse.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string value = text.Trim().ToLowerInvariant();
        (string suffix, double seconds)[] units = [("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)];
        foreach ((string suffix, double seconds) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(value[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number)
                && double.IsFinite(number) && number * seconds <= s_maxDuration.TotalSeconds)
            {
                duration = TimeSpan.FromSeconds(number * seconds);
                return true;
            }
        }

        return false;
    }

    private static long ParseSizeOrThrow(string text) =>
        TryParseSize(text, out long bytes) ? bytes : throw new ArgumentException($"'{text}' is not a size; the validators should have refused it.", nameof(text));

    private static TimeSpan ParseDurationOrThrow(string text) =>
        TryParseDuration(text, out TimeSpan duration) ? duration : throw new ArgumentException($"'{text}' is not a duration; the validators should have refused it.", nameof(text));

    private static void RequireSize(OptionResult result, string name, long min, long max)
    {
        if (result.Implicit)
        {
            return;
        }

        string? text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
        if (!TryParseSize(text, out long bytes))
        {
            result.AddError($"{name} must be a size such as 64MiB or 1GiB, but it is '{text}'.");
        }
        else if (bytes < min || bytes > max)
        {
            result.AddError(Invariant($"{name} must be from {BenchReport.FormatBytes(min)} to {BenchReport.FormatBytes(max)}, but it is {text}."));
        }
    }

    // 64 pages: room for the page writer's clusters and the throttle's thresholds to differ.
    public const int MinPoolPages = 64;

    private void RequirePoolOfEnoughPages(CommandResult result)
    {
        long pool = DefaultPoolBytes;
        if (result.GetResult(Pool) is { Implicit: false, Tokens.Count: 1 } poolResult && !TryParseSize(poolResult.Tokens[0].Value, out pool))
        {
            return;
        }

        long pageSize = PageCacheOptions.MinPageSize;
        if (result.GetResult(PageSize) is { } pageResult && !pageResult.Implicit && !TryGetInt64(pageResult, out pageSize))
        {
            return;
        }

        if (pageSize > 0 && pool / pageSize < MinPoolPages)
        {
            result.AddError(Invariant($"--pool must hold at least {MinPoolPages} pages of --page-size ({pageSize} bytes), but it holds {pool / pageSize}."));
        }
    }

    /// <summary>Checks that an output file's directory exists, naming the option.</summary>
    public static void RequireWritablePath(OptionResult result, string name)
    {
        string? value = result.GetValueOrDefault<string?>();
        if (value is null)
        {
            return;
        }

        string? parent = Path.GetDirectoryName(Path.GetFullPath(value));
        if (string.IsNullOrEmpty(value) || parent is null || !System.IO.Directory.Exists(parent) || System.IO.Directory.Exists(value))
        {
            result.AddError($"{name} must name a file in an existing directory, but '{value}' is not one.");
        }
    }

    private static void RequireDuration(OptionResult result)
    {
        string? text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
        if (result.Implicit)
        {
            return;
        }

        if (!TryParseDuration(text, out TimeSpan duration) || duration <= TimeSpan.Zero)
        {
            result.AddError($"--duration must be a positive time such as 10s, 500ms or 2m, at most 24h, but it is '{text}'.");
        }
    }

    private static void RequirePageSize(OptionResult result)
    {
        if (TryGetInt64(result, out long value)
            && (value < PageCacheOptions.MinPageSize || value > PageCacheOptions.MaxPageSize || !BitOperations.IsPow2(value)))
        {
            result.AddError(Invariant(
                $"--page-size must be a power of two from {PageCacheOptions.MinPageSize} to {PageCacheOptions.MaxPageSize}, but it is {value}."));
        }
    }

    private static void RequireInRange(OptionResult result, string name, long min, long max)
    {
        if (TryGetInt64(result, out long value) && (value < min || value > max))
        {
            result.AddError(max == long.MaxValue
                ? Invariant($"{name} must be at least {min}, but it is {value}.")
                : Invariant($"{name} must be from {min} to {max}, but it is {value}."));
        }
    }

    private static void RequireExistingDirectory(OptionResult result)
    {
        string? value = result.GetValueOrDefault<string?>();
        if (value is not null && !System.IO.Directory.Exists(value))
        {
            result.AddError($"--directory must name an existing directory, but '{value}' is not one.");
        }
    }

    /// <summary>
    /// The option's value, if it was given and parses. Validators run even when the value does not
    /// parse; System.CommandLine reports that error itself, naming the option.
    /// </summary>
    private static bool TryGetInt64(OptionResult result, out long value)
    {
        value = 0;
        return !result.Implicit
            && long.TryParse(result.Tokens.Count == 1 ? result.Tokens[0].Value : null, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }
}
