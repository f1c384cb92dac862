// Proves the library keeps its layers (STYLE.md): every type of a layer's namespace (Quire.Frames,
// Quire.Paging, ...) uses only types of lower layers, of its own layer, or of the root. The uses
// are read from the built Quire.dll (BuiltAssembly): signatures, fields, base types, attributes,
// locals and every type, method and field token in the IL, so a fully qualified name, a type
// reached without a `using`, or one used inside a closure is seen. The one use compiled code
// cannot show is a constant, whose value the compiler copies into the user; the `using`
// directives of the type's files still name its namespace (IDE0005 fails the build on an unused
// one), so they are read too. The rule itself (LayerViolation) is tested on namespace pairs, so
// a checker that could never fail would be caught. Also: only the folders that own raw memory use
// unsafe code.

using System.Text.RegularExpressions;

namespace Quire.Tests.Tidy;

public sealed partial class LayeringTests
{
    // Lowest first; layers of equal rank may not use each other. The root namespace, Quire (the
    // public API and a few internal root types such as CacheLimits), may use every layer, and
    // every layer may use it for now.
    private static readonly Dictionary<string, int> s_rank = new()
    {
        ["Internal"] = 0,
        ["Metrics"] = 0,
        ["Frames"] = 1,
        ["Queues"] = 2,
        ["Files"] = 2,
        ["Paging"] = 3,
        ["Writeback"] = 4,
        ["Restart"] = 4, // warm restart: reads through Paging, opens through the root's FileLifecycle
        ["Throttling"] = 5,
        ["Flushing"] = 5,
    };

    // Uses that break the layering today, each with the reason it stands. Remove an entry when
    // the use goes (the test fails until it is removed); never add one without a reason.
    private static readonly HashSet<string> s_allowedViolations = [];

    [Fact]
    public void EveryFolderUsesOnlyLowerLayers()
    {
        IEnumerable<string> compiled = BuiltAssembly.Instance.TypeUses
            .Where(use => LayerViolation(use.Namespace, use.UsedNamespace))
            .Select(use => $"{use.TypeName} ({LayerOf(use.Namespace)}) uses {use.UsedNamespace}.{use.UsedTypeName} ({LayerOf(use.UsedNamespace)})");
        IEnumerable<string> directives = BuiltAssembly.Instance.Types
            .SelectMany(type => type.Files.SelectMany(file => UsingDirective().Matches(File.ReadAllText(Path.Combine(SourceRoot, file)))
                .Select(match => match.Groups[1].Value)
                .Where(used => LayerViolation(type.Namespace, used))
                .Select(used => $"{type.Name} ({LayerOf(type.Namespace)}) uses {used} ({LayerOf(used)}) by a using directive in {file}")));
        string[] violations = [.. compiled.Concat(directives).Distinct().Order(StringComparer.Ordinal)];

        string[] added = [.. violations.Except(s_allowedViolations)];
        string[] gone = [.. s_allowedViolations.Except(violations)];
        Assert.True(added.Length == 0, $"Uses of a layer that is not lower:\n{string.Join('\n', added)}");
        Assert.True(gone.Length == 0, $"Allowed uses that no longer occur; delete their entries:\n{string.Join('\n', gone)}");
    }

    [Fact]
    public void EveryNamespaceIsTheRootOrARankedLayer()
    {
        string[] unranked = [.. BuiltAssembly.Instance.Types
            .Select(type => type.Namespace)
            .Where(ns => ns != "Quire" && !s_rank.ContainsKey(LayerOf(ns)))
            .Distinct()
            .Order(StringComparer.Ordinal)];

        Assert.Empty(unranked);
    }

    [Theory]
    [InlineData("Quire.Frames", "Quire.Paging", true)] // a lower layer reaching up
    [InlineData("Quire.Paging", "Quire.Frames", false)] // a higher layer reaching down
    [InlineData("Quire.Files", "Quire.Queues", true)] // equal ranks keep apart
    [InlineData("Quire.Throttling", "Quire.Flushing", true)]
    [InlineData("Quire.Paging", "Quire.Paging", false)] // a layer uses itself
    [InlineData("Quire", "Quire.Flushing", false)] // the root uses every layer
    [InlineData("Quire", "Quire.Internal", false)]
    [InlineData("Quire.Internal", "Quire", false)] // every layer may use the root, for now
    [InlineData("Quire.Frames.Native", "Quire.Paging", true)] // a child namespace is its folder's layer
    [InlineData("Quire.Paging", "Quire.Frames.Native", false)]
    [InlineData("Quire.Paging", "Quire.Unranked", true)] // a layer nobody ranked is above everything
    [InlineData("Quire.Frames", "System.IO", false)] // other assemblies are not layers
    public void TheRuleSeesAViolationAndOnlyAViolation(string fromNamespace, string usedNamespace, bool isViolation)
    {
        Assert.Equal(isViolation, LayerViolation(fromNamespace, usedNamespace));
    }

    [Fact]
    public void OnlyTheFramePoolAndTheIoUringRingUseUnsafeCode()
    {
        // The frames are native memory, and the ring is memory shared with the kernel: raw by nature.
        string[] unsafeFiles = [.. SourceFiles()
            .Where(path => UnsafeKeyword().IsMatch(File.ReadAllText(path)))
            .Select(path => Path.GetRelativePath(SourceRoot, path))
            .Order(StringComparer.Ordinal)];

        Assert.Equal([Path.Combine("Frames", "FramePool.cs"), Path.Combine("Paging", "IoUring.cs")], unsafeFiles);
    }

    /// <summary>
    /// Whether a type of <paramref name="fromNamespace"/> may not use a type of
    /// <paramref name="usedNamespace"/>: both are Quire layers, the user is not the root, the used
    /// one is not the root, and the used layer is not lower (or is unranked).
    /// </summary>
    internal static bool LayerViolation(string fromNamespace, string usedNamespace)
    {
        if (!BuiltAssembly.IsQuireNamespace(fromNamespace) || !BuiltAssembly.IsQuireNamespace(usedNamespace))
        {
            return false;
        }

        string from = LayerOf(fromNamespace);
        string used = LayerOf(usedNamespace);
        if (from.Length == 0 || used.Length == 0 || from == used)
        {
            return false; // the root uses anything and anything uses the root; a layer uses itself
        }

        return !s_rank.TryGetValue(used, out int usedRank) || !s_rank.TryGetValue(from, out int fromRank) || usedRank >= fromRank;
    }

    // "Paging" for Quire.Paging and its child namespaces; "" for the root namespace, Quire.
    private static string LayerOf(string ns)
    {
        if (ns == "Quire")
        {
            return string.Empty;
        }

        string rest = ns["Quire.".Length..];
        int dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    internal static string SourceRoot
    {
        get
        {
            string? directory = AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "Quire.slnx")))
            {
                directory = Path.GetDirectoryName(directory);
            }

            Assert.NotNull(directory);
            return Path.Combine(directory, "src", "Quire");
        }
    }

    internal static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(SourceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    // `using Quire.Paging;`, `using static Quire.Paging.ReadPath;`, `using Reads = Quire.Paging.ReadPath;`
    [GeneratedRegex(@"^using\s+(?:static\s+)?(?:\w+\s*=\s*)?(Quire(?:\.\w+)+)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"\bunsafe\b")]
    private static partial Regex UnsafeKeyword();
}
