// Program: Quire's write performance as real clients see it, against each client's own file I/O
// in the same process run. Usage: litedb | lucene | faster | all, then optionally --quick (small sizes,
// well under a minute), --rounds N (default 3; 2 with --quick), --markdown PATH (where the
// markdown fragment goes; default quire-client-benchmarks.md in the temp directory) and
// --cache-mib N (FASTER only: one cache size, a power of two, for Quire's pool and FASTER's read
// cache, to run inside a memory cgroup sized for it; see docs/BENCHMARKS.md). Scratch
// files go under $QUIRE_BENCH_DIR or a new directory under /var/tmp, deleted afterwards.
// Exits 2 on a usage error and 1 when two engines' results differ.

using System.Globalization;
using System.Text;
using Quire.ClientBenchmarks;
using Quire.ClientBenchmarks.FasterClient;
using Quire.ClientBenchmarks.LiteDbClient;
using Quire.ClientBenchmarks.LuceneClient;

const string Usage = "usage: Quire.ClientBenchmarks litedb|lucene|faster|all [--quick] [--rounds N] [--markdown PATH] [--cache-mib N]";
if (args.Length == 0 || args[0] is not ("litedb" or "lucene" or "faster" or "all"))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

bool quick = false;
int? rounds = null;
int? cacheMiB = null;
string markdownPath = Path.Combine(Path.GetTempPath(), "quire-client-benchmarks.md");
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick":
            quick = true;
            break;
        case "--rounds" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int parsed) && parsed > 0:
            rounds = parsed;
            i++;
            break;
        case "--cache-mib" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int mebibytes) && mebibytes > 0 && int.IsPow2(mebibytes):
            cacheMiB = mebibytes;
            i++;
            break;
        case "--markdown" when i + 1 < args.Length:
            markdownPath = args[++i];
            break;
        default:
            Console.Error.WriteLine($"unknown or incomplete argument '{args[i]}'");
            Console.Error.WriteLine(Usage);
            return 2;
    }
}

int roundCount = rounds ?? (quick ? 2 : 3);
var markdown = new StringBuilder();
markdown.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC with `{string.Join(' ', args)}` on {Environment.ProcessorCount} cores, .NET {Environment.Version}.");
markdown.AppendLine();
using (ScratchDirectory scratch = ScratchDirectory.Create())
{
    Console.WriteLine($"scratch directory {scratch.DirectoryPath}");
    try
    {
        if (args[0] is "litedb" or "all")
        {
            markdown.Append(LiteDbBenchmark.Run(scratch, quick, roundCount));
        }

        if (args[0] is "lucene" or "all")
        {
            markdown.Append(LuceneBenchmark.Run(scratch, quick, roundCount));
        }

        if (args[0] is "faster" or "all")
        {
            markdown.Append(FasterBenchmark.Run(scratch, quick, roundCount, cacheMiB));
        }
    }
    catch (InvalidOperationException e) when (e.Message.StartsWith("The engines did different work", StringComparison.Ordinal))
    {
        Console.Error.WriteLine(e.Message);
        return 1;
    }
}

File.WriteAllText(markdownPath, markdown.ToString());
Console.WriteLine($"wrote {markdownPath}");
return 0;
