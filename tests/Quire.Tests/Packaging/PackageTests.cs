// PackageTests: what `dotnet pack Quire.slnx` produces. Every project under src/ becomes a package
// with the one version, its readme, the license, XML docs and a symbol package; nothing else is
// packed; the quire tool installs from the local package folder alone and runs its demo.
//
// These run in the default test run: the pack reuses the build that precedes the tests (see
// PackedSolution), so the class takes about 15 s here, most of it in `dotnet pack`.

using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace Quire.Tests.Packaging;

public sealed class PackageTests(PackedSolution packed) : IClassFixture<PackedSolution>
{
    // The custom debug information a PDB carries for a source file embedded in it.
    private static readonly Guid s_embeddedSourceKind = new("0E8A571B-6926-466E-B4AD-8AB04611F5FE");

    // The custom debug information holding a PDB's Source Link map (a JSON document).
    private static readonly Guid s_sourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    // 2 minutes: the install only copies a local package; the limit stops a hung restore.
    private static readonly TimeSpan s_installTimeLimit = TimeSpan.FromMinutes(2);

    // 2 minutes: the demo with a 1 MiB pool and a 2 MiB file runs in about a second.
    private static readonly TimeSpan s_demoTimeLimit = TimeSpan.FromMinutes(2);

    private const string ToolPackageId = "Quire.Cli";

    [Fact]
    public void EveryProjectUnderSrcIsPackedWithTheOneVersionAndNothingElseIs()
    {
        packed.AssertPacked();
        string version = Version();

        string[] packageFiles = [.. Directory.GetFiles(packed.PackageFolder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
        string[] expected = [.. packed.SourceProjectNames()
            .SelectMany(name => new[] { $"{name}.{version}.nupkg", $"{name}.{version}.snupkg" })
            .Order(StringComparer.Ordinal)];
        Assert.Equal(expected, packageFiles);
        Assert.Contains("Quire", packed.SourceProjectNames());
        Assert.Contains(ToolPackageId, packed.SourceProjectNames());
    }

    [Fact]
    public void EveryLibraryPackageCarriesItsAssemblyDocsReadmeLicenseAndMetadata()
    {
        packed.AssertPacked();
        string[] libraries = [.. packed.SourceProjectNames().Where(name => name != ToolPackageId)];
        Assert.NotEmpty(libraries);
        foreach (string id in libraries)
        {
            using ZipArchive package = OpenPackage(id, "nupkg");
            AssertHasEntry(package, id, $"lib/net10.0/{id}.dll");
            AssertHasEntry(package, id, $"lib/net10.0/{id}.xml");
            AssertCommonContent(package, id);
            Assert.False(IsTool(Nuspec(package, id)), $"{id} is a library, not a tool.");
        }
    }

    [Fact]
    public void TheToolPackageIsTheQuireCommand()
    {
        packed.AssertPacked();
        using ZipArchive package = OpenPackage(ToolPackageId, "nupkg");
        AssertCommonContent(package, ToolPackageId);
        Assert.True(IsTool(Nuspec(package, ToolPackageId)), $"{ToolPackageId} is not marked as a .NET tool.");
        AssertHasEntry(package, ToolPackageId, $"tools/net10.0/any/{ToolPackageId}.dll");

        XDocument settings = XDocument.Load(AssertHasEntry(package, ToolPackageId, "tools/net10.0/any/DotnetToolSettings.xml").Open());
        XElement command = Assert.Single(settings.Descendants("Command"));
        Assert.Equal("quire", (string?)command.Attribute("Name"));
        Assert.Equal($"{ToolPackageId}.dll", (string?)command.Attribute("EntryPoint"));
    }

    [Fact]
    public void EverySymbolPackageHoldsThePortablePdbOfItsAssemblyWithGeneratedSourcesEmbedded()
    {
        packed.AssertPacked();
        foreach (string id in packed.SourceProjectNames())
        {
            string folder = id == ToolPackageId ? "tools/net10.0/any" : "lib/net10.0";
            using ZipArchive package = OpenPackage(id, "nupkg");
            using ZipArchive symbols = OpenPackage(id, "snupkg");
            using var assembly = new PEReader(Copy(AssertHasEntry(package, id, $"{folder}/{id}.dll")));
            using MetadataReaderProvider pdb = MetadataReaderProvider.FromPortablePdbStream(Copy(AssertHasEntry(symbols, id + " symbols", $"{folder}/{id}.pdb")));
            MetadataReader reader = pdb.GetMetadataReader();

            // The PDB belongs to this very build of the assembly: its id is the one the DLL names.
            DebugDirectoryEntry codeView = Assert.Single(assembly.ReadDebugDirectory(), e => e.Type == DebugDirectoryEntryType.CodeView);
            CodeViewDebugDirectoryData expected = assembly.ReadCodeViewDebugDirectoryData(codeView);
            var actual = new BlobContentId(reader.DebugMetadataHeader!.Id);
            Assert.Equal(expected.Guid, actual.Guid);

            // Source Link maps tracked files to the repository; generated ones are embedded.
            string[] embedded = [.. reader.CustomDebugInformation
                .Select(reader.GetCustomDebugInformation)
                .Where(info => reader.GetGuid(info.Kind) == s_embeddedSourceKind && info.Parent.Kind == HandleKind.Document)
                .Select(info => reader.GetString(reader.GetDocument((DocumentHandle)info.Parent).Name))];
            Assert.Contains(embedded, name => name.EndsWith($"{id}.AssemblyInfo.cs", StringComparison.Ordinal));

            // With a git remote the package names the repository, and the PDB's Source Link map
            // sends every tracked file to that repository at the packed commit. Without one (a
            // local clone) there is nothing to map to and the map is left out.
            XElement repository = Nuspec(package, id).Descendants().Single(e => e.Name.LocalName == "repository");
            string? sourceLink = reader.CustomDebugInformation
                .Select(reader.GetCustomDebugInformation)
                .Where(info => reader.GetGuid(info.Kind) == s_sourceLinkKind)
                .Select(info => System.Text.Encoding.UTF8.GetString(reader.GetBlobBytes(info.Value)))
                .SingleOrDefault();
            if (string.IsNullOrEmpty((string?)repository.Attribute("url")))
            {
                Assert.Null(sourceLink);
            }
            else
            {
                Assert.NotNull(sourceLink);
                Assert.Contains((string)repository.Attribute("commit")!, sourceLink, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void TheToolInstallsFromTheLocalPackageFolderAloneAndRunsTheDemo()
    {
        packed.AssertPacked();
        string version = Version();

        // Only the local folder as a source, and an empty package cache: an install that needed
        // anything from a remote feed, or picked up an older build of the same version from the
        // machine's cache, would fail here or run stale code.
        string scratch = Path.Combine(packed.ScratchFolder, "install");
        string toolPath = Path.Combine(scratch, "tools");
        string demoDirectory = Path.Combine(scratch, "demo");
        Directory.CreateDirectory(demoDirectory);
        string nugetConfig = Path.Combine(scratch, "nuget.config");
        new XDocument(new XElement("configuration",
            new XElement("packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "local"), new XAttribute("value", packed.PackageFolder))))).Save(nugetConfig);
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(scratch, "nuget-packages") };

        (int installExit, string installOutput) = DotnetCommand.Run(
            scratch,
            ["tool", "install", ToolPackageId, "--version", version, "--tool-path", toolPath, "--configfile", nugetConfig],
            s_installTimeLimit,
            environment);
        Assert.True(installExit == 0, $"dotnet tool install exited {installExit}:\n{installOutput}");

        string quire = Path.Combine(toolPath, "quire");
        Assert.True(File.Exists(quire), $"The install made no quire command in {toolPath}:\n{installOutput}");
        string? dotnetHost = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (dotnetHost is not null && Path.GetDirectoryName(dotnetHost) is string dotnetRoot)
        {
            environment["DOTNET_ROOT"] = dotnetRoot;
        }

        (int demoExit, string demoOutput) = DotnetCommand.Run(
            quire,
            scratch,
            ["demo", "--memory-mb", "1", "--file-mb", "2", "--directory", demoDirectory],
            s_demoTimeLimit,
            environment);
        Assert.True(demoExit == 0, $"quire demo exited {demoExit}:\n{demoOutput}");
        Assert.Contains("Verified", demoOutput, StringComparison.Ordinal);
    }

    private string Version()
    {
        XDocument props = XDocument.Load(Path.Combine(packed.RepositoryRoot, "Directory.Build.props"));
        string? version = props.Descendants("VersionPrefix").Select(e => e.Value.Trim()).SingleOrDefault();
        Assert.False(string.IsNullOrEmpty(version), "Directory.Build.props sets no VersionPrefix.");
        return version;
    }

    private ZipArchive OpenPackage(string id, string extension)
    {
        string path = Path.Combine(packed.PackageFolder, $"{id}.{Version()}.{extension}");
        Assert.True(File.Exists(path), $"No {Path.GetFileName(path)} in {packed.PackageFolder}.");
        return ZipFile.OpenRead(path);
    }

    private void AssertCommonContent(ZipArchive package, string id)
    {
        XElement metadata = Nuspec(package, id).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

        Assert.Equal(id, Field("id"));
        Assert.Equal(Version(), Field("version"));
        Assert.Equal("Quire", Field("authors"));
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("expression", (string?)metadata.Elements().Single(e => e.Name.LocalName == "license").Attribute("type"));
        Assert.Equal("README.md", Field("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Field("description")) || Field("description") == "Package Description", $"{id} has no description of its own.");
        XElement repository = Assert.Single(metadata.Elements(), e => e.Name.LocalName == "repository");
        Assert.False(string.IsNullOrEmpty((string?)repository.Attribute("commit")), $"{id} names no commit: Source Link's repository information is missing.");

        using (var readme = new StreamReader(AssertHasEntry(package, id, "README.md").Open()))
        {
            Assert.StartsWith("# ", readme.ReadToEnd(), StringComparison.Ordinal);
        }

        using var license = new StreamReader(AssertHasEntry(package, id, "LICENSE").Open());
        Assert.StartsWith("MIT License", license.ReadToEnd(), StringComparison.Ordinal);
    }

    private static XDocument Nuspec(ZipArchive package, string id) =>
        XDocument.Load(AssertHasEntry(package, id, $"{id}.nuspec").Open());

    private static bool IsTool(XDocument nuspec) =>
        nuspec.Descendants().Any(e => e.Name.LocalName == "packageType" && (string?)e.Attribute("name") == "DotnetTool");

    private static ZipArchiveEntry AssertHasEntry(ZipArchive package, string id, string path)
    {
        ZipArchiveEntry? entry = package.GetEntry(path);
        Assert.True(entry is not null, $"{id} has no {path}; it has: {string.Join(", ", package.Entries.Select(e => e.FullName))}");
        return entry;
    }

    private static MemoryStream Copy(ZipArchiveEntry entry)
    {
        var copy = new MemoryStream();
        using (Stream stream = entry.Open())
        {
            stream.CopyTo(copy);
        }

        copy.Position = 0;
        return copy;
    }
}
