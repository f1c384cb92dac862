// Proves the planted bugs stay behind their one seam (Internal/Canaries) and off the hit paths:
// no method outside Canaries reads the PlantedBugs flags (the option that carries them,
// PageCacheOptions.PlantedBugs, only declares them), and no method of ReadPath, WritePath or the
// leases, nor CachedFile's Read and Write, references the seam, so no planted branch costs a cache
// hit a test. Read from the built Quire.dll (BuiltAssembly.MethodUses): signatures, locals and
// every token of each method's IL, with lambdas, local functions and state machines counted for
// the method that declares them. The scan is shown to see the planted branches that do exist.

namespace Quire.Tests.Tidy;

public sealed class CanarySeamTests
{
    private const string Seam = "Canaries";
    private const string Flags = "PlantedBugs";

    // The hit paths: every method of these types.
    private static readonly string[] s_hitPathTypes = ["ReadPath", "WritePath", "PageLease", "WritablePageLease"];

    // And these methods of the handle, whose hit part is a call into ReadPath or WritePath.
    private static readonly string[] s_hitPathHandleMethods = ["Read", "ReadAsync", "Write", "WriteAsync"];

    // The types that hold a planted branch today: the scan must see each one's use of the seam.
    private static readonly string[] s_plantedBranchTypes = ["CachedFile", "ClusterWriter", "DirtyThrottle", "Eviction", "FileSync", "PageAllocator", "PageTransitions", "Pager", "Truncation"];

    [Fact]
    public void OnlyTheSeamReadsThePlantedBugFlags()
    {
        string[] readers = [.. BuiltAssembly.Instance.MethodUses
            .Where(use => use.UsedTypeName == Flags && use.TypeName is not (Seam or Flags))
            .Where(use => !(use.TypeName == nameof(PageCacheOptions) && use.Method is "get_PlantedBugs" or "set_PlantedBugs"))
            .Select(use => $"{use.TypeName}.{use.Method}")
            .Distinct()
            .Order(StringComparer.Ordinal)];

        Assert.True(readers.Length == 0, $"Read the {Flags} flags outside {Seam}; ask the seam instead:\n{string.Join('\n', readers)}");
    }

    [Fact]
    public void NoPlantedBranchIsOnAHitPath()
    {
        string[] onHitPath = [.. BuiltAssembly.Instance.MethodUses
            .Where(use => use.UsedTypeName is Seam or Flags)
            .Where(use => s_hitPathTypes.Contains(use.TypeName) || (use.TypeName == nameof(CachedFile) && s_hitPathHandleMethods.Contains(use.Method)))
            .Select(use => $"{use.TypeName}.{use.Method}")
            .Distinct()
            .Order(StringComparer.Ordinal)];

        Assert.True(onHitPath.Length == 0, $"Hit-path methods that reach the planted bugs; move the branch to a miss or slow path:\n{string.Join('\n', onHitPath)}");
    }

    /// <summary>The two checks above can fail: the scan sees the seam where the planted branches are.</summary>
    [Fact]
    public void TheScanSeesEveryPlantedBranch()
    {
        string[] usersOfTheSeam = [.. BuiltAssembly.Instance.MethodUses
            .Where(use => use.UsedTypeName == Seam && use.TypeName != Seam)
            .Select(use => use.TypeName)
            .Distinct()];

        Assert.Empty(s_plantedBranchTypes.Except(usersOfTheSeam));
        Assert.Contains(BuiltAssembly.Instance.MethodUses, use => use.TypeName == Seam && use.Method == ".ctor" && use.UsedTypeName == Flags);
        Assert.Contains(BuiltAssembly.Instance.MethodUses, use => use.TypeName == nameof(CachedFile) && use.Method == "Read" && use.UsedTypeName == "ReadPath");
    }
}
