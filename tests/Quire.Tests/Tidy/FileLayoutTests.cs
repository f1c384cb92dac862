// Proves every source file of src/Quire has the shape STYLE.md's Layout and Comments sections ask
// for: it opens with a header comment of at least two `//` lines, the first naming its type, before
// any `using` or `namespace`; and it holds one top-level type named after the file (a partial
// type's other parts in files named Type.Part.cs). Which types a file holds is read from the PDB
// of the built Quire.dll (BuiltAssembly), not guessed from the text. Files that predate the rule
// are listed below with their reason, so only a new file without a header fails.

using System.Collections.Immutable;

namespace Quire.Tests.Tidy;

public sealed class FileLayoutTests
{
    // A file this short whose type holds no state (an enum, an interface, a readonly struct) has
    // no lock to name and no invariant beyond its members: its XML summary is its header.
    private const int MaxLinesWithoutHeader = 30;

    // Files without a header today, each with the reason it stands. Remove an entry when the
    // file gains its header (the test fails until it is removed).
    private static readonly Dictionary<string, string> s_allowedWithoutHeader = new(StringComparer.Ordinal)
    {
        // The public surface, written before the header rule; its XML docs say what each type is.
        ["BackingStoreException.cs"] = "public exception, immutable once built: its XML summary says when it is thrown",
        ["CachedFileStatistics.cs"] = "public immutable snapshot record: its XML summary says how it is read",
        ["IBackingStore.cs"] = "the public seam (46 lines): its contract, thread-safety included, is in its XML docs",
        ["PageCacheExhaustedException.cs"] = "public exception, immutable once built: its XML summary says when it is thrown",
        ["PageCacheInvariantException.cs"] = "public exception, immutable once built: its XML summary says when it is thrown",
        ["PageCacheOptions.cs"] = "public init-only options, validated up front: each default's reason is on its property",
        ["PageCacheStatistics.cs"] = "public immutable snapshot record: its XML summary says how it is read",
        ["PageLease.cs"] = "public ref struct lease: the hold it keeps is told in its XML summary",
        ["WritablePageLease.cs"] = "public ref struct lease: the exclusive hold it keeps is told in its XML summary",
        ["WritebackFailedException.cs"] = "public exception, immutable once built: its XML summary says when it is thrown",
        ["WritebackStalledException.cs"] = "public exception, immutable once built: its XML summary says when it is thrown",

        // Internal types with state whose header is simply missing: they need one first.
    };

    [Fact]
    public void EverySourceFileStartsWithAHeader()
    {
        ILookup<string, BuiltAssembly.TopLevelType> typesByFile = BuiltAssembly.Instance.Types
            .SelectMany(type => type.Files, (type, file) => (type, file))
            .ToLookup(pair => pair.file, pair => pair.type, StringComparer.Ordinal);

        var missing = new List<string>();
        foreach (string path in LayeringTests.SourceFiles())
        {
            string file = BuiltAssembly.SourcePath(path);
            string[] lines = File.ReadAllLines(path);
            if (HeaderProblem(lines, TypeNameOf(file)) is not string problem
                || (lines.Length <= MaxLinesWithoutHeader && typesByFile[file].Any() && typesByFile[file].All(type => type.IsStateless)))
            {
                continue;
            }

            missing.Add($"{file}: {problem}");
        }

        string[] added = [.. missing.Where(line => !s_allowedWithoutHeader.ContainsKey(line[..line.IndexOf(':', StringComparison.Ordinal)])).Order(StringComparer.Ordinal)];
        string[] gone = [.. s_allowedWithoutHeader.Keys.Where(file => !missing.Any(line => line.StartsWith($"{file}:", StringComparison.Ordinal))).Order(StringComparer.Ordinal)];
        Assert.True(added.Length == 0, $"Files without a header (STYLE.md, Comments):\n{string.Join('\n', added)}");
        Assert.True(gone.Length == 0, $"Allowed files that now have a header, or are gone; delete their entries:\n{string.Join('\n', gone)}");
    }

    [Fact]
    public void EveryFileHoldsOneTopLevelTypeNamedAfterIt()
    {
        ImmutableArray<BuiltAssembly.TopLevelType> types = BuiltAssembly.Instance.Types;
        var problems = new List<string>();
        foreach (BuiltAssembly.TopLevelType type in types)
        {
            if (type.Files.IsEmpty)
            {
                problems.Add($"{type.Namespace}.{type.Name}: the PDB names no source file for it");
            }

            problems.AddRange(type.Files
                .Where(file => TypeNameOf(file) != type.Name)
                .Select(file => $"{file}: declares {type.Name}, so it should be named {type.Name}.cs"));
        }

        foreach (string path in LayeringTests.SourceFiles())
        {
            string file = BuiltAssembly.SourcePath(path);
            string[] declared = [.. types.Where(type => type.Files.Contains(file)).Select(type => type.Name).Order(StringComparer.Ordinal)];
            if (declared.Length != 1)
            {
                problems.Add($"{file}: declares {declared.Length} top-level types ({string.Join(", ", declared)}), not one");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [InlineData("// PageQueues: the page queues.\n//\n// Locking: _lock guards every queue.\n\nnamespace Quire.Queues;", null)]
    [InlineData("// PageQueues: the page queues and the counts\n// the page writer reads.\nusing Quire.Frames;", null)]
    [InlineData("using Quire.Frames;\n\n// PageQueues: the page queues.\n// Locking: none.", "no header")]
    [InlineData("// PageQueues: the page queues.\n\nnamespace Quire.Queues;", "no header")]
    [InlineData("/// <summary>The page queues.</summary>\n/// <remarks>None.</remarks>\ninternal sealed class PageQueues", "no header")]
    [InlineData("// The page queues and the counts\n// the page writer reads.\nnamespace Quire.Queues;", "does not name")]
    public void TheHeaderCheckSeesAMissingHeaderAndOnlyThat(string text, string? problem)
    {
        string? found = HeaderProblem(text.Split('\n'), "PageQueues");
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Paging/ReadPath.cs", "ReadPath")]
    [InlineData("Writeback/ClusterWriter.Ring.cs", "ClusterWriter")]
    [InlineData("PageCache.cs", "PageCache")]
    public void APartialTypesFilesAreNamedTypeDotPart(string file, string typeName)
    {
        Assert.Equal(typeName, TypeNameOf(file));
    }

    /// <summary>
    /// What is wrong with a file's opening lines, or null: it must open with two or more `//` lines
    /// (not `///` documentation), the first starting "// TypeName" as the house headers do.
    /// </summary>
    internal static string? HeaderProblem(IReadOnlyList<string> lines, string typeName)
    {
        int headerLines = lines.TakeWhile(line => line.StartsWith("//", StringComparison.Ordinal) && !line.StartsWith("///", StringComparison.Ordinal)).Count();
        if (headerLines < 2)
        {
            return "no header (two or more `//` lines before the first using or namespace: what it owns, its locking, its invariants)";
        }

        return lines[0].StartsWith($"// {typeName}", StringComparison.Ordinal)
            ? null
            : $"the header's first line does not name {typeName} (\"// {typeName}: what it owns\")";
    }

    // The type a file is named after: "ClusterWriter" for Writeback/ClusterWriter.Ring.cs.
    private static string TypeNameOf(string file)
    {
        string name = Path.GetFileName(file);
        return name[..name.IndexOf('.', StringComparison.Ordinal)];
    }
}
