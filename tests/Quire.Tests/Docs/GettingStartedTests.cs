// Proves docs/GETTING-STARTED.md shows code that compiles and works: every csharp block marked
// with a sample name must equal the sample of that name in GettingStartedSamples (which the
// compiler checked), every sample must appear on the page, and each sample runs here in a
// temporary directory with its output checked.

using System.Text;
using System.Text.RegularExpressions;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Docs;

public sealed partial class GettingStartedTests
{
    [Fact]
    public void EverySampleOnThePageIsTheCompiledSample()
    {
        Dictionary<string, string> page = PageSamples();
        Dictionary<string, string> compiled = CompiledSamples();

        Assert.Equal(compiled.Keys.Order(), page.Keys.Order());
        foreach ((string name, string code) in compiled)
        {
            Assert.True(page[name] == code, $"The sample '{name}' in docs/GETTING-STARTED.md differs from tests/Quire.Tests/Docs/GettingStartedSamples.cs; copy it from there:\n{code}");
        }
    }

    [Fact]
    public void TheBasicsSampleRuns()
    {
        using var directory = new TempDirectory();
        var console = new StringWriter();

        GettingStartedSamples.Basics(directory.Path, console);

        Assert.Equal(
            ["read 17 bytes: hello, page cache", "pinned: hello", "file length 8209, 0 dirty pages"],
            console.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task TheStreamsSampleRuns()
    {
        using var directory = new TempDirectory();
        var console = new StringWriter();

        await GettingStartedSamples.StreamsAsync(directory.Path, console);

        Assert.Equal(
            ["pageSize = 4096", "{\"pageSize\":4096}"],
            console.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("{\"pageSize\":4096}", File.ReadAllText(Path.Combine(directory.Path, "settings.json")));
    }

    [Fact]
    public async Task TheDependencyInjectionSampleRuns()
    {
        using var directory = new TempDirectory();
        var console = new StringWriter();

        await GettingStartedSamples.DependencyInjectionAsync(directory.Path, console);

        Assert.Equal($"128 MiB cache, file of 3 bytes{Environment.NewLine}", console.ToString());
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(directory.Path, "index.bin")));
    }

    [Fact]
    public void TheLiteDbSampleRunsAndPlainLiteDbReadsWhatItWrote()
    {
        using var directory = new TempDirectory();
        var console = new StringWriter();

        GettingStartedSamples.LiteDb(directory.Path, console);

        Assert.Equal($"1 order for ada{Environment.NewLine}", console.ToString());
        using var plain = new LiteDB.LiteDatabase($"Filename={Path.Combine(directory.Path, "orders.db")};Connection=direct;ReadOnly=true");
        LiteDB.BsonDocument order = Assert.Single(plain.GetCollection("orders").FindAll());
        Assert.Equal("ada", order["Customer"].AsString);
        Assert.Equal(12.5, order["Amount"].AsDouble);
    }

    [Fact]
    public void TheFasterSampleRunsAndLeavesItsLogSegmentsAndCheckpoint()
    {
        using var directory = new TempDirectory();
        var console = new StringWriter();

        GettingStartedSamples.Faster(directory.Path, console);

        Assert.Equal($"key 7 = 14{Environment.NewLine}", console.ToString());
        Assert.True(File.Exists(Path.Combine(directory.Path, "hlog.log.0")), "the log's first segment is missing");
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(directory.Path, "checkpoints"), "*", SearchOption.AllDirectories));
    }

    private static Dictionary<string, string> PageSamples()
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot, "docs", "GETTING-STARTED.md")).ReplaceLineEndings("\n");
        return PageSample().Matches(text).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["code"].Value);
    }

    private static Dictionary<string, string> CompiledSamples()
    {
        string[] lines = File.ReadAllText(Path.Combine(RepositoryRoot, "tests", "Quire.Tests", "Docs", "GettingStartedSamples.cs")).ReplaceLineEndings("\n").Split('\n');
        var samples = new Dictionary<string, string>();
        for (int i = 0; i < lines.Length; i++)
        {
            Match begin = SampleBegin().Match(lines[i]);
            if (!begin.Success)
            {
                continue;
            }

            int indent = begin.Groups["indent"].Length;
            var code = new StringBuilder();
            for (i++; !lines[i].Trim().Equals("// end-sample", StringComparison.Ordinal); i++)
            {
                code.Append(lines[i].Length >= indent ? lines[i][indent..] : lines[i].TrimStart()).Append('\n');
            }

            samples.Add(begin.Groups["name"].Value, code.ToString());
        }

        return samples;
    }

    private static string RepositoryRoot
    {
        get
        {
            string? directory = AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "Quire.slnx")))
            {
                directory = Path.GetDirectoryName(directory);
            }

            Assert.NotNull(directory);
            return directory;
        }
    }

    [GeneratedRegex("<!-- sample: (?<name>[a-z-]+) -->\n```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex PageSample();

    [GeneratedRegex("^(?<indent> *)// begin-sample: (?<name>[a-z-]+)$")]
    private static partial Regex SampleBegin();
}
