// WarmRestartFixture: what the warm restart tests share: data files whose every byte is known
// (a function of file and offset), a cache that reads chosen pages of them without read-ahead, and
// a look at which pages a cache holds for a file, through the file's page index.

using Quire.Restart;

namespace Quire.Tests.Restart;

internal static class WarmRestartFixture
{
    public const int PageSize = 4096;

    /// <summary>The byte at <paramref name="fileOffset"/> of data file <paramref name="fileIndex"/>.</summary>
    public static byte ByteAt(int fileIndex, long fileOffset) => (byte)((fileOffset * 131) + (fileOffset >> 12) + (fileIndex * 17) + 1);

    /// <summary>Creates data file <paramref name="fileIndex"/> of <paramref name="pageCount"/> pages at <paramref name="path"/>.</summary>
    public static void CreateDataFile(string path, int fileIndex, int pageCount)
    {
        byte[] bytes = new byte[pageCount * PageSize];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = ByteAt(fileIndex, i);
        }

        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Options for a cache whose prewarm is not rate limited, with the page writer off (nothing here writes).</summary>
    public static PageCacheOptions Options(long memoryLimitBytes = 4L << 20) => new()
    {
        MemoryLimitBytes = memoryLimitBytes,
        MaxPrewarmReadsPerSecond = int.MaxValue,
        StartPageWriter = false,
    };

    /// <summary>Reads <paramref name="pages"/> of <paramref name="path"/> through <paramref name="cache"/> without read-ahead, <paramref name="times"/> times each, checking the data.</summary>
    public static void ReadPages(PageCache cache, string path, int fileIndex, IEnumerable<long> pages, int times = 1)
    {
        using CachedFile file = cache.Open(path, FileMode.Open, FileAccess.Read);
        file.Advise(0, 0, FileAdvice.Random);
        byte[] buffer = new byte[PageSize];
        foreach (long page in pages)
        {
            for (int t = 0; t < times; t++)
            {
                Assert.Equal(PageSize, file.Read(page * PageSize, buffer));
                AssertPage(fileIndex, page, buffer);
            }
        }
    }

    public static void AssertPage(int fileIndex, long page, ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != ByteAt(fileIndex, (page * PageSize) + i))
            {
                Assert.Fail($"Byte {i} of page {page} of file {fileIndex} is {bytes[i]}, not {ByteAt(fileIndex, (page * PageSize) + i)}.");
            }
        }
    }

    /// <summary>The pages of the file at <paramref name="path"/> that <paramref name="cache"/> holds, opening it (a kept file is reattached, its pages kept).</summary>
    public static long[] ResidentPages(PageCache cache, string path, long pageCount)
    {
        using CachedFile file = cache.Open(path, FileMode.Open, FileAccess.Read);
        var pages = new List<long>();
        for (long page = 0; page < pageCount; page++)
        {
            if (file.FileObject.Index.Lookup(page) >= 0)
            {
                pages.Add(page);
            }
        }

        return [.. pages];
    }

    /// <summary>The pages a saved resident set describes for the file at <paramref name="path"/>.</summary>
    public static long[] SavedPages(string dumpPath, string path)
    {
        Assert.Equal(ResidentSetFile.LoadOutcome.Loaded, ResidentSetFile.TryLoad(dumpPath, out ResidentSet? set, out string reason));
        Assert.True(set is not null, reason);
        ResidentFile? file = set.Files.SingleOrDefault(f => f.Path == Path.GetFullPath(path));
        return file is null ? [] : [.. file.Runs.SelectMany(run => Enumerable.Range(0, run.PageCount).Select(i => run.FirstPage + i))];
    }
}
