// Proves the library keeps its layers (STYLE.md): every source file in a folder of src/Quire
// imports only namespaces of lower layers, read from the `using` directives of the source text,
// and only the folder that owns frame memory uses unsafe code.

using System.Text.RegularExpressions;

namespace Quire.Tests.Tidy;

public sealed partial class LayeringTests
{
    // Lowest first; folders of equal rank may not use each other.
    private static readonly Dictionary<string, int> s_rank = new()
    {
        ["Internal"] = 0,
        ["Metrics"] = 0,
        ["Frames"] = 1,
        ["Queues"] = 2,
        ["Files"] = 2,
        ["Paging"] = 3,
        ["Writeback"] = 4,
        ["Throttling"] = 5,
        ["Flushing"] = 5,
    };

    [Fact]
    public void EveryFolderUsesOnlyLowerLayers()
    {
        var violations = new List<string>();
        foreach (string path in SourceFiles())
        {
            string folder = FolderOf(path);
            if (!s_rank.TryGetValue(folder, out int rank))
            {
                continue; // the public root may use every layer
            }

            foreach (Match match in UsingDirective().Matches(File.ReadAllText(path)))
            {
                string used = match.Groups[1].Value;
                if (used != folder && (!s_rank.TryGetValue(used, out int usedRank) || usedRank >= rank))
                {
                    violations.Add($"{Path.GetRelativePath(SourceRoot, path)} ({folder}) uses Quire.{used}");
                }
            }
        }

        Assert.Empty(violations);
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

    private static string FolderOf(string path)
    {
        string relative = Path.GetRelativePath(SourceRoot, path);
        int separator = relative.IndexOf(Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return separator < 0 ? string.Empty : relative[..separator];
    }

    [GeneratedRegex(@"^using Quire\.(\w+);", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"\bunsafe\b")]
    private static partial Regex UnsafeKeyword();
}
