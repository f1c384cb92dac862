// The crash child: runs a seeded workload over real files through a Quire cache with the page
// writer running, and prints "FLUSHED <operation index>" after every flush that returned, until
// the parent kills it (SIGKILL) at a moment of its choosing. Usage: Quire.CrashChild <directory>
// <seed> [planted bugs]; the third argument plants bugs in its cache, only for the canary tests
// that prove the kill test can fail.

using System.Globalization;
using Quire;
using Quire.CrashChild;
using Quire.Internal;

int plantedBugs = 0;
if (args.Length is < 2 or > 3 || !Directory.Exists(args[0]) || !ulong.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed)
    || (args.Length == 3 && !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out plantedBugs)))
{
    Console.Error.WriteLine("Usage: Quire.CrashChild <existing directory> <seed> [planted bugs]");
    return 2;
}

using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 32 * CrashWorkload.PageSize, PlantedBugs = (PlantedBugs)plantedBugs });
var files = new CachedFile[CrashWorkload.FileCount];
for (int f = 0; f < files.Length; f++)
{
    files[f] = cache.Open(Path.Combine(args[0], CrashWorkload.FileName(f)), FileMode.Create);
}

var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
output.WriteLine("READY");
foreach (CrashOperation operation in CrashWorkload.Generate(seed, 1_000_000))
{
    CachedFile file = files[operation.FileIndex];
    switch (operation.Kind)
    {
        case CrashOperationKind.Write:
            file.Write(operation.FileOffset, CrashWorkload.DataOf(operation));
            break;
        case CrashOperationKind.SetLength:
            file.SetLength(operation.FileOffset);
            break;
        default:
            file.Flush();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FLUSHED {operation.Index}"));
            break;
    }
}

return 0;
