// BenchCommand: the `quire bench WORKLOAD` command: runs one workload through Quire and, on the
// same files in the same run, through the baselines (the OS page cache, mmap, O_DIRECT), and
// prints a table per engine with the ratios to the OS page cache. With --store rbd:POOL/IMAGE the
// files are RBD images of a Ceph cluster and the baselines are plain librbd calls, without a
// cache (librbd, the ratios' baseline) and with librbd's own cache (librbd-cache).
//
// With --memory-budget SIZE each engine runs in a process of its own inside a memory cgroup of
// SIZE (BudgetedEngineRun), Quire's pool sized to what its process leaves of it; the hidden
// --budget-child option is how the bench starts those processes (BudgetChild).
//
// Exit codes: 2 for a bad command line (the message names the option) and for a memory budget
// that cannot be honoured (no memory cgroup here, or smaller than a process needs), 1 when an engine failed
// (the others' figures are still printed), 130 when interrupted (the figures so far are printed
// and written), 0 otherwise. The files, and the directory when the command made it, are deleted
// in every case.

using System.CommandLine;
using System.Globalization;
using Quire.Ceph;
using Quire.Cli.Bench;
using Quire.Cli.Bench.Budget;
using Quire.Cli.Bench.Engines;
using Quire.Cli.Bench.Storage;
using Spectre.Console;
using static System.FormattableString;

namespace Quire.Cli.Commands;

internal static class BenchCommand
{
    private static readonly string[] s_engineNames = [QuireEngine.EngineName, OsEngine.EngineName, MmapEngine.EngineName, DirectEngine.EngineName];
    private static readonly string[] s_rbdEngineNames = [QuireEngine.EngineName, RbdEngine.EngineName, RbdEngine.CachedEngineName];

    // 30 s: CephConnectionOptions' default operation timeout.
    private static readonly TimeSpan s_defaultCephTimeout = new CephConnectionOptions().OperationTimeout;

    // 16 MiB: below it the .NET runtime and the bench do not start inside the cgroup.
    private const long MinMemoryBudgetBytes = 16L << 20;

    // 64 GiB: BenchOptions' largest pool; a larger budget is almost surely a typing mistake.
    private const long MaxMemoryBudgetBytes = 64L << 30;

    // 1 TiB: more written between flushes than the largest file; almost surely a typing mistake.
    private const long MaxFlushEveryBytes = 1L << 40;

    public static Command Create(IAnsiConsole console)
    {
        BenchOptions options = BenchOptions.Create();
        var workload = new Argument<string>("WORKLOAD")
        {
            Description = "The workload: " + string.Join(", ", BenchWorkloads.Names) + ".",
        };
        workload.Validators.Add(result => BenchWorkloads.RequireName(result, "WORKLOAD"));
        var engines = new Option<string?>("--engines")
        {
            Description = "The engines to run, comma-separated, in order: " + string.Join(", ", s_engineNames) + "; with --store rbd: "
                + string.Join(", ", s_rbdEngineNames) + " (default: all).",
        };
        var store = new Option<string?>("--store")
        {
            Description = "Run over RBD images instead of local files: rbd:POOL/IMAGE. The bench creates images IMAGE-data and IMAGE-second in POOL and removes them afterwards.",
        };
        store.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string?>();
            if (value is not null && !RbdTarget.TryParse(value, out _, out _, out string reason))
            {
                result.AddError($"--store must be rbd:POOL/IMAGE, but it is '{value}': {reason}.");
            }
        });
        var cephConf = new Option<string?>("--ceph-conf") { Description = "With --store rbd: the cluster's ceph.conf (default: CEPH_CONF, then /etc/ceph/ceph.conf)." };
        cephConf.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string?>();
            if (value is not null && !File.Exists(value))
            {
                result.AddError($"--ceph-conf must name an existing file, but '{value}' is not one.");
            }
        });
        var cephClient = new Option<string?>("--ceph-client") { Description = "With --store rbd: the client to authenticate as, without \"client.\" (default: admin)." };
        cephClient.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string?>();
            if (value is not null && (string.IsNullOrWhiteSpace(value) || value.Any(char.IsWhiteSpace)))
            {
                result.AddError($"--ceph-client must be a client id such as admin, but it is '{value}'.");
            }
        });
        var cephTimeout = new Option<string?>("--ceph-timeout")
        {
            Description = "With --store rbd: how long a cluster request may go unanswered before it fails (e.g. 30s; at least 1s; default 30s).",
        };
        cephTimeout.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string?>();
            if (value is not null && (!BenchOptions.TryParseDuration(value, out TimeSpan timeout) || timeout < TimeSpan.FromSeconds(1)))
            {
                result.AddError($"--ceph-timeout must be a time of at least 1s such as 30s, but it is '{value}'.");
            }
        });
        var writesInFlight = new Option<int?>("--rbd-writes-in-flight")
        {
            Description = $"With --store rbd: the quire engine's RbdImageOptions.MaxWritesInFlight, 1 (each write waits) to 64 (default {new RbdImageOptions().MaxWritesInFlight}).",
        };
        writesInFlight.Validators.Add(result =>
        {
            // A value that does not parse is reported by the parser itself, naming the option;
            // reading it here would throw.
            if (result.Tokens.Count != 1 || !int.TryParse(result.Tokens[0].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            {
                return;
            }

            if (value is < 1 or > 64)
            {
                result.AddError($"--rbd-writes-in-flight must be from 1 to 64, but it is {value}.");
            }
        });
        var memoryBudget = new Option<string?>("--memory-budget")
        {
            Description = "Run each engine in a process of its own inside a memory cgroup of this size (page cache included), Quire's pool being what its process leaves of it, so every engine has the same memory (e.g. 256MiB; needs root and a memory cgroup controller; file sizes become multiples of it; default directory under /var/tmp).",
        };
        memoryBudget.Validators.Add(result => RequireSize(result, "--memory-budget", MinMemoryBudgetBytes, MaxMemoryBudgetBytes));
        var flushEvery = new Option<string?>("--flush-every")
        {
            Description = Invariant($"checkpoint: the bytes written between durable flushes (default {BenchReport.FormatBytes(BenchSettings.DefaultFlushEveryBytes)}, one PostgreSQL WAL segment)."),
        };
        flushEvery.Validators.Add(result => RequireSize(result, "--flush-every", PageCacheOptions.MinPageSize, MaxFlushEveryBytes));
        var dirtyRatio = new Option<double?>("--dirty-ratio")
        {
            Description = "The fraction of memory that may be dirty, half of it the background threshold (Linux's defaults: 0.2 and 0.1): Quire's DirtyRatio and, with --memory-budget, the OS's dirty limits (vm.dirty_bytes and vm.dirty_background_bytes, restored afterwards) as that fraction of the budget during the os and mmap engines' runs, as cgroup v2 would limit them (default: each engine's own; the OS's are then the machine's, which a cgroup-v1 memory group does not scale to its size).",
        };
        dirtyRatio.Validators.Add(result =>
        {
            if (result.Tokens.Count != 1 || !double.TryParse(result.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                return; // reported by the parser, as above
            }

            if (!(value > 0 && value <= 1))
            {
                result.AddError(Invariant($"--dirty-ratio must be more than 0 and at most 1, but it is {value}."));
            }
        });
        var quireWritesInFlight = new Option<int?>("--writes-in-flight")
        {
            Description = $"The quire engine's MaxWritesInFlight on local files: the most writes one writeback keeps at the device, 1 to 256 (default {new PageCacheOptions().MaxWritesInFlight}; with --store rbd, see --rbd-writes-in-flight).",
        };
        quireWritesInFlight.Validators.Add(result =>
        {
            if (result.Tokens.Count != 1 || !int.TryParse(result.Tokens[0].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            {
                return; // reported by the parser, as above
            }

            if (value is < 1 or > 256)
            {
                result.AddError($"--writes-in-flight must be from 1 to 256, but it is {value}.");
            }
        });
        var budgetChild = new Option<string?>(BudgetedEngineRun.ChildOptionName)
        {
            Description = "Internal: run as the budgeted process of one engine and write its result to this file.",
            Hidden = true,
        };
        var json = new Option<string?>("--json") { Description = "Also write every figure, ratio and sample as JSON to this file." };
        var csv = new Option<string?>("--csv") { Description = "Also write one row of figures per engine as CSV to this file." };
        var chart = new Option<string?>("--chart") { Description = "Also write an SVG chart (dirty bytes, throughput and thresholds over time; ratio bars) to this file." };
        json.Validators.Add(result => BenchOptions.RequireWritablePath(result, "--json"));
        csv.Validators.Add(result => BenchOptions.RequireWritablePath(result, "--csv"));
        chart.Validators.Add(result => BenchOptions.RequireWritablePath(result, "--chart"));

        var command = new Command("bench", "Runs a workload through Quire and through the OS page cache, mmap and O_DIRECT on the same files (with --store rbd:POOL/IMAGE: through librbd without and with its own cache on RBD images), and prints each engine's figures with its ratio to the baseline (os, or librbd).")
        {
            workload,
            engines,
            json,
            csv,
            chart,
            store,
            cephConf,
            cephClient,
            cephTimeout,
            writesInFlight,
            memoryBudget,
            flushEvery,
            dirtyRatio,
            quireWritesInFlight,
            budgetChild,
        };
        options.AddTo(command);
        command.Validators.Add(result =>
        {
            bool rbd = result.GetResult(store) is { Implicit: false };
            foreach (Option option in (Option[])[cephConf, cephClient, cephTimeout, writesInFlight])
            {
                if (!rbd && result.GetResult(option) is { Implicit: false })
                {
                    result.AddError($"{option.Name} needs --store rbd:POOL/IMAGE.");
                }
            }

            bool budget = result.GetResult(memoryBudget) is { Implicit: false };
            if (budget && result.GetResult(options.Pool) is { Implicit: false })
            {
                result.AddError("--pool cannot be given with --memory-budget: Quire's pool is then the budget less its process's measured baseline.");
            }

            if (rbd && result.GetResult(quireWritesInFlight) is { Implicit: false })
            {
                result.AddError("--writes-in-flight applies to local files; with --store rbd, give --rbd-writes-in-flight.");
            }

            if (budget && rbd)
            {
                result.AddError("--memory-budget limits local engines' memory; it cannot be given with --store.");
            }

            if (!budget && result.GetResult(budgetChild) is { Implicit: false })
            {
                result.AddError($"{BudgetedEngineRun.ChildOptionName} needs --memory-budget.");
            }

            string? workloadName = result.GetValue(workload);
            if (result.GetResult(flushEvery) is { Implicit: false } && workloadName != BenchWorkload.Checkpoint.Name())
            {
                result.AddError($"--flush-every applies to the checkpoint workload only, not to '{workloadName}'.");
            }

            if (workloadName == BenchWorkload.ManyFiles.Name() && result.GetResult(options.Threads) is { Implicit: false } threadsResult
                && threadsResult.Tokens.Count == 1 && threadsResult.Tokens[0].Value != "1")
            {
                result.AddError("--threads must be 1 for many-files: an index has one writer.");
            }

            if (rbd && result.GetResult(options.Directory) is { Implicit: false })
            {
                result.AddError("--directory names a local directory; it cannot be given with --store.");
            }

            if (result.GetResult(engines) is { Implicit: false, Tokens.Count: 1 } enginesResult)
            {
                string[] allowed = rbd ? s_rbdEngineNames : s_engineNames;
                string value = enginesResult.Tokens[0].Value;
                if (ParseEngines(value, allowed) is null)
                {
                    result.AddError($"--engines must be a comma-separated list of distinct engines from {string.Join(", ", allowed)}{(rbd ? " (with --store rbd)" : string.Empty)}, but it is '{value}'.");
                }
            }
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            BenchWorkload chosen = BenchWorkloads.Parse(parseResult.GetValue(workload));
            RbdTarget? rbd = null;
            if (parseResult.GetValue(store) is { } storeValue)
            {
                if (!RbdTarget.TryParse(storeValue, out string poolName, out string imageStem, out string reason))
                {
                    throw new ArgumentException($"--store '{storeValue}': {reason}; the validator should have refused it.");
                }

                string? timeout = parseResult.GetValue(cephTimeout);
                rbd = new RbdTarget
                {
                    PoolName = poolName,
                    ImageStem = imageStem,
                    ConfigurationFile = parseResult.GetValue(cephConf),
                    ClientId = parseResult.GetValue(cephClient) ?? "admin",
                    OperationTimeout = timeout is not null && BenchOptions.TryParseDuration(timeout, out TimeSpan parsed) ? parsed : s_defaultCephTimeout,
                    MaxWritesInFlight = parseResult.GetValue(writesInFlight) ?? new RbdImageOptions().MaxWritesInFlight,
                };
            }

            string[] allowed = rbd is null ? s_engineNames : s_rbdEngineNames;
            List<string> engineNames = ParseEngines(parseResult.GetValue(engines) ?? string.Join(',', allowed), allowed)!;
            BenchSettings settings = options.Settings(parseResult, chosen, engineNames) with { Rbd = rbd };
            if (parseResult.GetValue(memoryBudget) is { } budgetText)
            {
                long budget = ParseSize(budgetText);
                settings = settings with { MemoryBudgetBytes = budget, PoolBytes = budget };
            }

            if (parseResult.GetValue(dirtyRatio) is { } ratio)
            {
                settings = settings with { DirtyRatio = ratio };
            }

            if (parseResult.GetValue(quireWritesInFlight) is { } quireWrites)
            {
                settings = settings with { WritesInFlight = quireWrites };
            }

            if (parseResult.GetValue(flushEvery) is { } flushText)
            {
                settings = settings with { FlushEveryBytes = ParseSize(flushText) };
            }

            if (parseResult.GetValue(budgetChild) is { } resultPath)
            {
                return Task.FromResult(BudgetChild.Run(parseResult.InvocationConfiguration.Error, settings, resultPath, cancellationToken));
            }

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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OutOfMemoryException or DllNotFoundException)
        {
            error.WriteLine($"quire bench: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private static void RequireSize(System.CommandLine.Parsing.OptionResult result, string name, long min, long max)
    {
        string? value = result.GetValueOrDefault<string?>();
        if (value is null)
        {
            return;
        }

        if (!BenchOptions.TryParseSize(value, out long bytes))
        {
            result.AddError($"{name} must be a size such as 256MiB or 1GiB, but it is '{value}'.");
        }
        else if (bytes < min || bytes > max)
        {
            result.AddError($"{name} must be from {BenchReport.FormatBytes(min)} to {BenchReport.FormatBytes(max)}, but it is {value}.");
        }
    }

    private static long ParseSize(string text) =>
        BenchOptions.TryParseSize(text, out long bytes) ? bytes : throw new ArgumentException($"'{text}' is not a size; the validator should have refused it.", nameof(text));

    /// <summary>The engine names of a comma-separated list, or null when one is unknown or repeated.</summary>
    private static List<string>? ParseEngines(string? value, string[] allowed)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        List<string> names = [.. value.Split(',', StringSplitOptions.TrimEntries)];
        return names.TrueForAll(name => allowed.Contains(name, StringComparer.Ordinal)) && names.Distinct(StringComparer.Ordinal).Count() == names.Count
            ? names
            : null;
    }
}
