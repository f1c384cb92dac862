// Proves the last handles of different files closed at once from several threads each flush and
// close their own file, no close being told its data may not be durable; and a file whose last
// handle has let go but not yet flushed a size change (no page to write) is not closed under it by
// another thread's release of idle files, so the change is durable when the close returns.

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
}
