// Freezes the public surface of Quire, Quire.Extensions, Quire.Ceph, Quire.Lucene and Quire.Testing: reflection lists every public type
// and every public or protected member, with nullability, in a stable C#-like text, and the test
// compares it with the checked-in snapshot next to this file, so any API change shows up in
// review as a change of that file. To accept a change, run the tests with QUIRE_UPDATE_API=1
// and commit the rewritten snapshot.

using System.Reflection;
using Quire.Extensions;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Api;

public sealed class PublicApiTests
{
    private const string UpdateVariable = "QUIRE_UPDATE_API";

    [Fact]
    public void ThePublicSurfaceOfQuireMatchesTheSnapshot() => AssertMatchesSnapshot(typeof(PageCache).Assembly, "PublicApi.Quire.txt");

    [Fact]
    public void ThePublicSurfaceOfQuireExtensionsMatchesTheSnapshot() => AssertMatchesSnapshot(typeof(QuireOptions).Assembly, "PublicApi.Quire.Extensions.txt");

    [Fact]
    public void ThePublicSurfaceOfQuireCephMatchesTheSnapshot() => AssertMatchesSnapshot(typeof(Quire.Ceph.CephCluster).Assembly, "PublicApi.Quire.Ceph.txt");

    [Fact]
    public void ThePublicSurfaceOfQuireLuceneMatchesTheSnapshot() => AssertMatchesSnapshot(typeof(Quire.Lucene.QuireDirectory).Assembly, "PublicApi.Quire.Lucene.txt");

    [Fact]
    public void ThePublicSurfaceOfQuireTestingMatchesTheSnapshot() => AssertMatchesSnapshot(typeof(Quire.Testing.FaultInjectingBackingStore).Assembly, "PublicApi.Quire.Testing.txt");

    [Fact]
    public void TheListingShowsModifiersNullabilityAndInitAccessors()
    {
        string listing = PublicApiListing.Of(typeof(PageCache).Assembly);

        Assert.Contains("public sealed class Quire.CachedFileStream : Stream", listing, StringComparison.Ordinal);
        Assert.Contains("  public override long Seek(long offset, SeekOrigin origin)", listing, StringComparison.Ordinal);
        Assert.Contains("  public ILogger? Logger { get; init; }", listing, StringComparison.Ordinal);
        Assert.Contains("  public CachedFileStream AsStream(bool leaveOpen = false, int bufferSize = 0)", listing, StringComparison.Ordinal);
        Assert.Contains("  public const int MinPageSize = 4096", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("Quire.Metrics", listing, StringComparison.Ordinal);
    }

    private static void AssertMatchesSnapshot(Assembly assembly, string fileName)
    {
        string path = Path.Combine(RepositoryRoot, "tests", "Quire.Tests", "Api", fileName);
        string actual = PublicApiListing.Of(assembly);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        string expected = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "";
        if (expected != actual)
        {
            string[] expectedLines = expected.Split('\n');
            string[] actualLines = actual.Split('\n');
            IEnumerable<string> added = actualLines.Except(expectedLines).Select(l => "+ " + l);
            IEnumerable<string> removed = expectedLines.Except(actualLines).Select(l => "- " + l);
            Assert.Fail(
                $"The public API of {assembly.GetName().Name} differs from {Path.GetRelativePath(RepositoryRoot, path)}. " +
                $"If the change is intended, run the tests with {UpdateVariable}=1 and commit the file.\n" +
                string.Join('\n', removed.Concat(added)));
        }
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
}
