// Program: Quire's write performance as real clients see it, against each client's own file I/O
// in the same process run. Usage: litedb | lucene | all, then optionally --quick (small sizes,
// well under a minute), --rounds N (default 3; 2 with --quick) and --markdown PATH (where the
// markdown fragment goes; default quire-client-benchmarks.md in the temp directory). Scratch
// files go under $QUIRE_BENCH_DIR or a new directory under /var/tmp, deleted afterwards.
// Exits 2 on a usage error and 1 when two engines' results differ.

using System.Globalization;
using System.Text;
using Quire.ClientBenchmarks;
using Quire.ClientBenchmarks.LiteDbClient;
using Quire.ClientBenchmarks.LuceneClient;

const string Usage = "usage: Quire.ClientBenchmarks litedb|lucene|all [--quick] [--rounds N] [--markdown PATH]";
if (args.Length == 0 || args[0] is not ("litedb" or "lucene" or "all"))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

bool quick = false;
int? rounds = null;
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
