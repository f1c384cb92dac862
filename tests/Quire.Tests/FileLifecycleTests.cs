// Proves the last handles of different files closed at once from several threads each flush and
// close their own file, no close being told its data may not be durable; and a file whose last
// handle has let go but not yet flushed a size change (no page to write) is not closed under it by
// another thread's release of idle files, so the change is durable when the close returns.
// Files are known by identity, not by name: two names of one file (a hard link) share its file
// object and its unwritten bytes, and a name deleted and created again is a new file that shares
// nothing with the handles still open on the old one (each checked against what a plain file
// does with the same calls). A file opened for writing and closed with nothing written syncs
// nothing and lets its descriptor go, as a FileStream's close does; an explicit flush after a
// write open still syncs, as fsync makes whatever the file holds durable.

using Quire.Testing;
using Quire.Tests.Infrastructure;

namespace Quire.Tests;

public sealed class FileLifecycleTests
{
    [Fact]
    public void TheLastHandlesOfDifferentFilesClosedAtOnceAllCloseWithoutAFailure()
    {
        const int Rounds = 100;
        const int Files = 4;
        using var directory = new TempDirectory();
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 64L << 20 });
        var failures = new List<string>();
        for (int round = 0; round < Rounds; round++)
        {
            var streams = new CachedFileStream[Files];
            for (int k = 0; k < Files; k++)
            {
                string path = directory.File($"r{round}-{k}");
                File.WriteAllBytes(path, [1, 2, 3, 4]);
                streams[k] = cache.Open(path).AsStream();
            }

            Parallel.ForEach(streams, stream =>
            {
                try
                {
                    stream.Dispose();
                }
                catch (Exception e)
                {
                    lock (failures)
                    {
                        failures.Add($"round {round}: {e.GetType().Name}: {e.Message}");
                    }
                }
            });
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Equal(0, cache.GetStatistics().OpenFiles);
    }

    [Fact]
    public void AFileWhoseLastHandleIsAboutToFlushAChangedSizeIsNotClosedUnderItByAnotherRelease()
    {
        // The interleaving, made deterministic: the last handle's release has dropped the count to
        // 0 and not yet flushed, when another thread's release of idle files looks at the file.
        // Its only change is its length: no page is dirty.
        using var cache = new PageCache(QuietCaches.Options());
        var store = new CrashSimulatingBackingStore("sized");
        CachedFile handle = cache.Open(store);
        handle.SetLength((3 * 4096) + 5);
        handle.FileObject.HandleCount = 0;

        cache.Lifecycle.ReleaseIdleFiles(except: null);

        Assert.True(cache.GetStatistics().OpenFiles == 1, "The file was closed with its length not durable.");
        handle.FileObject.HandleCount = 1;
        handle.Dispose();
        Assert.Equal(0, store.PendingChangeCount);
        Assert.Equal((3 * 4096) + 5, store.DurableContent.Length);
        Assert.Equal(0, cache.GetStatistics().OpenFiles);
    }

    [Fact]
    public void AWriteOpenClosedWithNothingWrittenSyncsNothingButAFlushAfterItDoes()
    {
        using var directory = new TempDirectory();
        string path = directory.File("untouched.bin");
        File.WriteAllBytes(path, BytePatterns.Create(8192, seed: 5));
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1L << 20 });

        using (CachedFile file = cache.Open(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Read(0, new byte[8192]);
        }

        PageCacheStatistics closed = cache.GetStatistics();
        Assert.Equal(0, closed.DurableFlushes);
        Assert.Equal((0, 1), (closed.OpenFiles, closed.IdleFiles)); // its descriptor closed, its pages kept

        using (CachedFile file = cache.Open(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Flush();
        }

        Assert.Equal(1, cache.GetStatistics().DurableFlushes);
    }

    [Fact]
    public void TwoNamesOfOneFileShareItsFileObjectAndItsUnwrittenBytes()
    {
        using var directory = new TempDirectory();
        string first = directory.File("first");
        string second = directory.File("second");
        File.WriteAllBytes(first, new byte[3 * 4096]);
        RawFile.HardLink(first, second);
        byte[] written = BytePatterns.Create(4096 + 100, seed: 13);
        using var cache = new PageCache(QuietCaches.Options());

        using CachedFile byFirst = cache.Open(first);
        byFirst.Write(2000, written);
        using CachedFile bySecond = cache.Open(second, FileMode.Open, FileAccess.Read);

        // A plain file reads through its second name what was written through its first.
        byte[] expected = RawFile.ReadAllBytes(first);
        written.CopyTo(expected, 2000);
        var read = new byte[expected.Length];
        Assert.Equal(read.Length, bySecond.Read(0, read));
        Assert.Equal(expected, read);
        Assert.Same(byFirst.FileObject, bySecond.FileObject);
        Assert.Equal(second, bySecond.Name);
        Assert.Equal(first, byFirst.Name);
    }

    [Fact]
    public void ANameCreatedAgainAfterADeleteIsANewFileAndTheOldHandleKeepsTheOldOne()
    {
        using var directory = new TempDirectory();
        string path = directory.File("segments.gen");
        byte[] old = BytePatterns.Create(2 * 4096, seed: 7);
        byte[] renewed = BytePatterns.Create(100, seed: 8);
        using var cache = new PageCache(QuietCaches.Options());

        using CachedFile oldHandle = cache.Open(path, FileMode.CreateNew);
        oldHandle.Write(0, old);
        File.Delete(path);
        using (CachedFile newHandle = cache.Open(path, FileMode.Create))
        {
            Assert.NotSame(oldHandle.FileObject, newHandle.FileObject);
            Assert.Equal(0, newHandle.Length);
            newHandle.Write(0, renewed);
        }

        // As with a plain file: the unlinked file keeps its bytes for its open handle, and the
        // name holds only what was written to the new file.
        Assert.Equal(old.Length, oldHandle.Length);
        var read = new byte[old.Length];
        Assert.Equal(old.Length, oldHandle.Read(0, read));
        Assert.Equal(old, read);
        Assert.Equal(renewed, File.ReadAllBytes(path));
    }
}
