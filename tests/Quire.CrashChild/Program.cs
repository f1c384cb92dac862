// The crash child: runs a seeded workload over real files through a Quire cache with the page
// writer running, and prints "FLUSHED <operation index>" after every flush and every change of
// names (create and close, Move, Delete) that returned, until the parent kills it (SIGKILL) at a
// moment of its choosing. Usage: Quire.CrashChild <directory>
// <seed> [planted bugs]; the third argument plants bugs in its cache, only for the canary tests
// that prove the kill test can fail. `Quire.CrashChild save-resident-set <directory>` saves a
// resident set over and over instead (ResidentSetSaveLoop).

using System.Globalization;
using Quire;
using Quire.CrashChild;
using Quire.Internal;

if (args is ["save-resident-set", string saveDirectory])
{
    return ResidentSetSaveLoop.Run(saveDirectory);
}

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
    CachedFile file = files[operation.IsAcknowledged && operation.Kind != CrashOperationKind.Flush ? 0 : operation.FileIndex];
    switch (operation.Kind)
    {
        case CrashOperationKind.Write:
            file.Write(operation.FileOffset, CrashWorkload.DataOf(operation));
            break;
        case CrashOperationKind.SetLength:
            file.SetLength(operation.FileOffset);
            break;
        default:
            ChangeNamesOrFlush(cache, args[0], operation, file);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FLUSHED {operation.Index}"));
            break;
    }
}

return 0;

// A flush of a data file, or a change of names in a slot, each durable when it returns.
static void ChangeNamesOrFlush(PageCache cache, string directory, CrashOperation operation, CachedFile file)
{
    string temporary = Path.Combine(directory, CrashWorkload.TemporaryName(operation.FileIndex));
    string final = Path.Combine(directory, CrashWorkload.FinalName(operation.FileIndex));
    switch (operation.Kind)
    {
        case CrashOperationKind.Create:
            using (CachedFile created = cache.Open(temporary, FileMode.CreateNew))
            {
                created.Write(0, CrashWorkload.DataOf(operation));
            }

            break;
        case CrashOperationKind.Rename:
            cache.Move(temporary, final, overwrite: true);
            break;
        case CrashOperationKind.Delete:
            cache.Delete(final);
            break;
        default:
            file.Flush();
            break;
    }
}
