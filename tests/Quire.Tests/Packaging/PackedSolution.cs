// PackedSolution: `dotnet pack Quire.slnx` into a temporary folder, once for the packaging tests,
// deleted when they end.
//
// The solution is packed in the configuration this test assembly was built in, so the build that
// precedes the tests (scripts/test, .ci/run) has already compiled every project and the pack only
// evaluates, packs and copies. The repository's bin/ and obj/ folders are reused, as any
// `dotnet pack` in the checkout would.

using System.Reflection;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Packaging;

public sealed class PackedSolution : IDisposable
{
    // 10 minutes: a pack whose build is not up to date compiles every project under src/ on a
    // shared 2-core machine; this limit only stops a hung build.
    private static readonly TimeSpan s_packTimeLimit = TimeSpan.FromMinutes(10);

    private readonly TempDirectory _directory = new();

    public PackedSolution()
    {
        RepositoryRoot = FindRepositoryRoot();
        PackageFolder = Path.Combine(_directory.Path, "packages");
        Configuration = typeof(PackedSolution).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        (int exitCode, string output) = DotnetCommand.Run(
            RepositoryRoot,
            ["pack", "Quire.slnx", "-c", Configuration, "-o", PackageFolder, "-nodeReuse:false", "-p:UseSharedCompilation=false"],
            s_packTimeLimit);
        PackExitCode = exitCode;
        PackOutput = output;
    }

    /// <summary>The folder holding Quire.slnx.</summary>
    public string RepositoryRoot { get; }

    /// <summary>The folder the .nupkg and .snupkg files were written to.</summary>
    public string PackageFolder { get; }

    /// <summary>A scratch folder deleted with the packages.</summary>
    public string ScratchFolder => _directory.Path;

    /// <summary>The build configuration packed (Debug or Release).</summary>
    public string Configuration { get; }

    public int PackExitCode { get; }

    public string PackOutput { get; }

    /// <summary>The package ids expected: one per project under src/, named after its project file.</summary>
    public IReadOnlyList<string> SourceProjectNames() =>
        [.. Directory.GetDirectories(Path.Combine(RepositoryRoot, "src"))
            .SelectMany(directory => Directory.GetFiles(directory, "*.csproj"))
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Order(StringComparer.Ordinal)];

    /// <summary>Fails the calling test with the pack's output unless the pack succeeded.</summary>
    public void AssertPacked() =>
        Assert.True(PackExitCode == 0, $"dotnet pack Quire.slnx -c {Configuration} exited {PackExitCode}:\n{PackOutput}");

    public void Dispose() => _directory.Dispose();

    private static string FindRepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "Quire.slnx")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException($"No Quire.slnx above {AppContext.BaseDirectory}.");
    }
}
