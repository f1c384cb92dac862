// ResidentSetSaveLoop: the crash child's second workload, for the kill test of warm restart: reads one
// more page of <directory>/data.bin through a cache, saves the cache's resident set to
// <directory>/resident.set, prints "SAVED <pages described>", and again, until the parent kills it
// (SIGKILL) in the middle of a save.

using System.Globalization;

namespace Quire.CrashChild;

public static class ResidentSetSaveLoop
{
    public const string DataFileName = "data.bin";
    public const string DumpFileName = "resident.set";
    public const int PageSize = 4096;

    public static int Run(string directory)
    {
        string data = Path.Combine(directory, DataFileName);
        string dump = Path.Combine(directory, DumpFileName);
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 16L << 20 });
        using CachedFile file = cache.Open(data, FileMode.Open, FileAccess.Read);
        file.Advise(0, 0, FileAdvice.Random); // one page per read: the set grows by one page a save
        long pageCount = file.Length / PageSize;
        byte[] buffer = new byte[PageSize];
        var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        output.WriteLine("READY");
        for (long page = 0; ; page = (page + 1) % pageCount)
        {
            file.Read(page * PageSize, buffer);
            long pages = cache.SaveResidentSet(dump);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SAVED {pages}"));
        }
    }
}
