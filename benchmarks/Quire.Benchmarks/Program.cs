// Program: runs the benchmark suite. The hit-path questions are BenchmarkDotNet classes, run
// through BenchmarkSwitcher (e.g. -- --filter '*ReadHit*'); the disk-bound ones run in rounds
// (mode disk, see DiskRounds: cold-random-read, cold-sequential-read, sequential-write,
// random-write, durable-overwrite, or all);
// scan-resistance counts the hot set's hit ratio while a large scan runs (not a timing);
// warm-restart times a zipfian reader's return to its hit ratio after a restart, cold against
// warm (WarmRestart); report
// writes the measured sections of docs/BENCHMARKS.md from one run's results. BenchmarkDotNet
// mode exits 1 if a case produced no result.

using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Quire.Benchmarks;

if (args.Length > 0 && args[0] == "scan-resistance")
{
    return ScanResistance.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "warm-restart")
{
    return WarmRestart.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "disk")
{
    string[] questions = args.Length > 1 ? args[1..] : ["cold-random-read", "cold-sequential-read", "sequential-write", "random-write", "durable-overwrite"];
    foreach (string question in questions)
    {
        switch (question)
        {
            case "cold-random-read":
                ColdRandomReads.Run();
                break;
            case "cold-sequential-read":
                ColdSequentialReads.Run();
                break;
            case "sequential-write":
                SequentialWrites.Run();
                break;
            case "random-write":
                RandomWrites.Run();
                break;
            case "durable-overwrite":
                DurableOverwrites.Run();
                break;
            default:
                Console.Error.WriteLine($"unknown disk question '{question}': use cold-random-read, cold-sequential-read, sequential-write, random-write or durable-overwrite");
                return 2;
        }
    }

    return 0;
}

if (args.Length > 0 && args[0] == "report")
{
    return Report.Run(args[1..]);
}

IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(ReadHitBenchmarks).Assembly).Run(args);
bool failed = summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success));
return failed ? 1 : 0;
