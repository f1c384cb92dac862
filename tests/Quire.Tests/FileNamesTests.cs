// Proves that names are made durable as PostgreSQL makes them (docs/DURABILITY.md, X5), through a
// double of the directory sync that records each directory synced, with what the disk and the
// cache looked like at that moment, and fails the syncs of chosen directories: a file the cache
// creates has its directory synced by its first flush and never again, an existing file by none;
// a failed sync fails that flush and the next one syncs; Move flushes the file, renames it, then
// syncs the destination's directory (and the source's when another) before it returns, renames
// nothing when the flush fails, and says the file was renamed when a sync after the rename fails;
// Delete syncs the directory after the unlink, and says the file was deleted when that fails, and
// PageCache.SyncDirectory syncs it again once the device heals; a
// store the caller opened has no name and syncs nothing.

using Quire.Internal;
using Quire.Tests.Infrastructure;

namespace Quire.Tests;

public sealed class FileNamesTests : IDisposable
{
    private const int PageSize = QuietCaches.PageSize;
    private const int EIO = 5;
    private readonly TempDirectory _directory = new();
    private readonly DirectorySyncs _syncs = new();

    /// <summary>The checks CanaryTests runs against a cache with a planted bug: a new file's first flush and a delete each sync the directory.</summary>
    internal static IReadOnlyList<(string Name, Action<PlantedBugs> Run)> Checks { get; } =
    [
        ("a new file flushed, then deleted", NewFileFlushedThenDeleted),
    ];

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ANewFileFlushedThenDeletedSyncsItsDirectoryEachTime() => NewFileFlushedThenDeleted(PlantedBugs.None);

    [Theory]
    [InlineData(FileMode.CreateNew)]
    [InlineData(FileMode.Create)]
    [InlineData(FileMode.OpenOrCreate)]
    public void AFileTheCacheCreatesHasItsDirectorySyncedByItsFirstFlushOnly(FileMode mode)
    {
        string path = _directory.File("created.bin");
        using var cache = new PageCache(_syncs.Options());
        using CachedFile file = cache.Open(path, mode);
        Assert.Empty(_syncs.Synced); // the open syncs nothing: the first flush does

        file.Write(0, BytePatterns.Create(PageSize, seed: 1));
        file.Flush();
        Assert.Equal([_directory.Path], _syncs.Synced);

        file.Write(PageSize, BytePatterns.Create(PageSize, seed: 2));
        file.Flush();
        file.SetLength(PageSize / 2);
        file.Flush();
        Assert.Equal([_directory.Path], _syncs.Synced); // the name was durable already
    }

    [Fact]
    public void AFileCreatedAndFlushedWithoutAWriteHasItsNameMadeDurable()
    {
        string path = _directory.File("empty.bin");
        using var cache = new PageCache(_syncs.Options());
        using (CachedFile file = cache.Open(path, FileMode.CreateNew))
        {
            file.Flush();
        }

        Assert.Equal([_directory.Path], _syncs.Synced);
        Assert.True(File.Exists(path));
    }

    [Theory]
    [InlineData(FileMode.Open)]
    [InlineData(FileMode.OpenOrCreate)]
    [InlineData(FileMode.Create)]
    [InlineData(FileMode.Truncate)]
    public void OpeningAnExistingFileSyncsNoDirectory(FileMode mode)
    {
        string path = _directory.File("existing.bin");
        File.WriteAllBytes(path, BytePatterns.Create(2 * PageSize, seed: 3));
        using var cache = new PageCache(_syncs.Options());
        using (CachedFile file = cache.Open(path, mode))
        {
            file.Write(0, BytePatterns.Create(PageSize, seed: 4));
            file.Flush();
        }

        Assert.Empty(_syncs.Synced);
        Assert.Equal(BytePatterns.Create(PageSize, seed: 4), File.ReadAllBytes(path)[..PageSize]);
    }

    [Fact]
    public void AFailedDirectorySyncAfterACreateFailsTheFlushAndTheNextFlushSyncsIt()
    {
        string path = _directory.File("retried.bin");
        byte[] content = BytePatterns.Create(3 * PageSize, seed: 5);
        using var cache = new PageCache(_syncs.Options());
        using CachedFile file = cache.Open(path, FileMode.CreateNew);
        file.Write(0, content);
        _syncs.Fail(_directory.Path);

        WritebackFailedException error = Assert.Throws<WritebackFailedException>(file.Flush);
        Assert.Equal(EIO, error.HResult);
        Assert.Equal(1, _syncs.Failures);
        Assert.Empty(_syncs.Synced);
        Assert.Throws<WritebackFailedException>(file.Flush); // still failing: still not durable

        _syncs.Heal(_directory.Path);
        file.Flush();
        Assert.Equal([_directory.Path], _syncs.Synced);
        Assert.Equal(content, RawFile.ReadAllBytes(path));
        Assert.Equal(0, cache.GetStatistics().DirtyPages + cache.GetStatistics().UnsyncedPages);
    }

    [Fact]
    public void MoveFlushesTheFileRenamesItAndSyncsBothDirectoriesBeforeItReturns()
    {
        string from = Directory.CreateDirectory(_directory.File("from")).FullName;
        string to = Directory.CreateDirectory(_directory.File("to")).FullName;
        string source = Path.Combine(from, "segment.tmp");
        string destination = Path.Combine(to, "segment");
        byte[] content = BytePatterns.Create(5 * PageSize, seed: 6);
        using var cache = new PageCache(_syncs.Options());
        _syncs.Probe = _ => $"source {File.Exists(source)}, destination {File.Exists(destination)}, durable {Durable(cache)}";
        using CachedFile file = cache.Open(source, FileMode.CreateNew);
        file.Write(0, content); // not flushed: the Move makes it durable

        cache.Move(source, destination);

        // The create's name, with the file's data, under the old name; then the new name and the
        // old one's removal.
        Assert.Equal([from, to, from], _syncs.Synced);
        Assert.Equal(
            ["source True, destination False, durable False", "source False, destination True, durable True", "source False, destination True, durable True"],
            _syncs.Seen);
        Assert.True(Durable(cache));
        Assert.Equal(content, RawFile.ReadAllBytes(destination));
    }

    [Fact]
    public void AMoveWithinADirectoryOfADurableFileSyncsTheDirectoryOnce()
    {
        string source = _directory.File("pending_segments_1");
        string destination = _directory.File("segments_1");
        File.WriteAllBytes(source, BytePatterns.Create(PageSize, seed: 7));
        File.WriteAllBytes(destination, BytePatterns.Create(PageSize, seed: 8));
        using var cache = new PageCache(_syncs.Options());
        long flushesBefore = cache.GetStatistics().DurableFlushes;

        cache.Move(source, destination, overwrite: true);

        Assert.Equal([_directory.Path], _syncs.Synced);
        Assert.Equal(flushesBefore, cache.GetStatistics().DurableFlushes); // nothing of it to flush
        Assert.Equal(BytePatterns.Create(PageSize, seed: 7), File.ReadAllBytes(destination));
    }

    [Fact]
    public void AMoveWhoseDirectorySyncFailsThrowsSayingTheFileWasRenamed()
    {
        string source = _directory.File("a");
        string destination = _directory.File("b");
        File.WriteAllBytes(source, BytePatterns.Create(PageSize, seed: 9));
        using var cache = new PageCache(_syncs.Options());
        _syncs.Fail(_directory.Path);

        IOException error = Assert.Throws<IOException>(() => cache.Move(source, destination));

        Assert.Contains($"'{source}' was renamed to '{destination}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("could not be made durable", error.Message, StringComparison.Ordinal);
        Assert.Equal(EIO, error.HResult);
        Assert.IsType<IOException>(error.InnerException);
        Assert.False(File.Exists(source)); // the rename itself stands
        Assert.True(File.Exists(destination));
    }

    [Fact]
    public void AMoveWhoseFlushFailsRenamesNothing()
    {
        string source = _directory.File("new.tmp");
        string destination = _directory.File("new");
        using var cache = new PageCache(_syncs.Options());
        using CachedFile file = cache.Open(source, FileMode.CreateNew);
        file.Write(0, BytePatterns.Create(PageSize, seed: 10));
        _syncs.Fail(_directory.Path); // the flush's sync of the create fails

        Assert.Throws<WritebackFailedException>(() => cache.Move(source, destination));

        Assert.True(File.Exists(source));
        Assert.False(File.Exists(destination));
        Assert.Empty(_syncs.Synced);
        _syncs.Heal(_directory.Path);
        cache.Move(source, destination);
        Assert.Equal([_directory.Path, _directory.Path], _syncs.Synced); // the create's, then the rename's
    }

    [Fact]
    public void DeleteSyncsTheDirectoryAfterTheUnlinkBeforeItReturns()
    {
        string path = _directory.File("old.bin");
        File.WriteAllBytes(path, BytePatterns.Create(PageSize, seed: 11));
        using var cache = new PageCache(_syncs.Options());
        _syncs.Probe = _ => $"exists {File.Exists(path)}";

        cache.Delete(path);

        Assert.Equal([_directory.Path], _syncs.Synced);
        Assert.Equal(["exists False"], _syncs.Seen);
    }

    [Fact]
    public void ADeleteWhoseDirectorySyncFailsThrowsSayingTheFileWasDeleted()
    {
        string path = _directory.File("old.bin");
        File.WriteAllBytes(path, BytePatterns.Create(PageSize, seed: 12));
        using var cache = new PageCache(_syncs.Options());
        _syncs.Fail(_directory.Path);

        IOException error = Assert.Throws<IOException>(() => cache.Delete(path));

        Assert.Contains($"'{path}' was deleted", error.Message, StringComparison.Ordinal);
        Assert.Contains("a crash may undo it", error.Message, StringComparison.Ordinal);
        Assert.Equal(EIO, error.HResult);
        Assert.False(File.Exists(path)); // the unlink itself stands
        Assert.Contains("PageCache.SyncDirectory tries again", error.Message, StringComparison.Ordinal);

        Assert.Throws<IOException>(() => cache.SyncDirectory(_directory.Path)); // still failing: said again
        _syncs.Heal(_directory.Path);
        int before = _syncs.Synced.Length;
        cache.SyncDirectory(_directory.Path); // the way out: the delete is durable once this returns
        Assert.Equal(before + 1, _syncs.Synced.Length);
        Assert.Equal(_directory.Path, _syncs.Synced[^1]);
    }

    [Fact]
    public void AStoreTheCallerOpenedHasNoNameAndSyncsNoDirectory()
    {
        using var cache = new PageCache(_syncs.Options());
        using (CachedFile file = cache.Open(new MemoryBackingStore("caller's store")))
        {
            file.Write(0, BytePatterns.Create(PageSize, seed: 13));
            file.Flush();
        }

        Assert.Empty(_syncs.Synced);
    }

    private static bool Durable(PageCache cache)
    {
        PageCacheStatistics statistics = cache.GetStatistics();
        return statistics.DirtyPages == 0 && statistics.UnsyncedPages == 0;
    }

    private static void NewFileFlushedThenDeleted(PlantedBugs plantedBugs)
    {
        using var directory = new TempDirectory();
        var syncs = new DirectorySyncs();
        using var cache = new PageCache(syncs.Options(plantedBugs));
        string path = directory.File("new.bin");
        using (CachedFile file = cache.Open(path, FileMode.CreateNew))
        {
            file.Write(0, BytePatterns.Create(PageSize, seed: 9));
            file.Flush();
        }

        Assert.Equal([directory.Path], syncs.Synced);
        cache.Delete(path);
        Assert.Equal([directory.Path, directory.Path], syncs.Synced);
    }
}
