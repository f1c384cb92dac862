// Proves the share modes of handles opened by path (PageCache.Open with a FileShare): an open that
// asks for an access an open handle does not share, or that does not share an access an open
// handle has, is refused with the IOException FileStream throws for a locked file, and changes
// nothing; Delete and Move are refused while a handle does not share Delete. And that a write open
// of a file open read-only opens it for writing (its read-only handles see the writes, which land
// on disk), and that LockFiles decides whether another open of the file outside the cache (a
// FileStream, as another process would open it) is kept out, before and after such an upgrade.

using Quire.Tests.Infrastructure;

namespace Quire.Tests;

public sealed class FileSharingTests : IDisposable
{
    private const int PageSize = QuietCaches.PageSize;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    // FileShare's documented rules, as FileStream keeps them where the OS enforces share modes:
    // the first handle's access and share, the second's, and whether the second open is allowed.
    [Theory]
    [InlineData(FileAccess.ReadWrite, FileShare.Read, FileAccess.Read, FileShare.ReadWrite, true)]
    [InlineData(FileAccess.ReadWrite, FileShare.Read, FileAccess.ReadWrite, FileShare.ReadWrite, false)] // the first does not share Write
    [InlineData(FileAccess.Read, FileShare.Read, FileAccess.ReadWrite, FileShare.ReadWrite, false)]
    [InlineData(FileAccess.Read, FileShare.ReadWrite, FileAccess.Read, FileShare.Read, true)] // no writer is open
    [InlineData(FileAccess.ReadWrite, FileShare.ReadWrite, FileAccess.Read, FileShare.Read, false)] // the second does not share Write, and a writer is open
    [InlineData(FileAccess.Read, FileShare.None, FileAccess.Read, FileShare.ReadWrite, false)]
    [InlineData(FileAccess.Read, FileShare.ReadWrite, FileAccess.Read, FileShare.None, false)] // the second does not share Read, and a reader is open
    [InlineData(FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, FileAccess.ReadWrite, FileShare.ReadWrite, true)]
    public void ASecondOpenIsAllowedAsFileShareSays(FileAccess firstAccess, FileShare firstShare, FileAccess secondAccess, FileShare secondShare, bool allowed)
    {
        string path = ExistingFile("shared.bin");
        using var cache = QuietCaches.Create();
        using CachedFile first = cache.Open(path, FileMode.Open, firstAccess, firstShare);

        if (allowed)
        {
            using CachedFile second = cache.Open(path, FileMode.Open, secondAccess, secondShare);
            Assert.Equal(first.Length, second.Length);
        }
        else
        {
            Assert.Throws<IOException>(() => cache.Open(path, FileMode.Open, secondAccess, secondShare));
        }
    }

    [Fact]
    public void ARefusedOpenThrowsWhatFileStreamThrowsForALockedFile()
    {
        string path = ExistingFile("locked.bin");
        IOException expected;
        using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            expected = Assert.Throws<IOException>(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        }

        using var cache = QuietCaches.Create();
        using CachedFile first = cache.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        IOException refused = Assert.Throws<IOException>(() => cache.Open(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));

        Assert.Equal(expected.GetType(), refused.GetType());
        Assert.Equal(expected.HResult, refused.HResult);
        Assert.Equal(expected.Message, refused.Message);
    }

    [Fact]
    public void ARefusedOpenChangesNothingAndTheOpenSucceedsOnceTheHandleCloses()
    {
        string path = ExistingFile("refused.bin");
        using var cache = QuietCaches.Create();
        byte[] written = BytePatterns.Create(PageSize, seed: 7);
        CachedFile first = cache.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        first.Write(0, written);

        Assert.Throws<IOException>(() => cache.Open(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite)); // would empty it
        var read = new byte[PageSize];
        Assert.Equal(PageSize, first.Read(0, read));
        Assert.Equal(written, read);
        first.Dispose();

        using CachedFile second = cache.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        Assert.Equal(PageSize, second.Read(0, read));
        Assert.Equal(written, read);
    }

    [Fact]
    public void ABadShareModeIsRefusedAndOpensNothing()
    {
        string path = _directory.File("never.bin");
        using var cache = QuietCaches.Create();

        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, (FileShare)0x40));

        Assert.False(File.Exists(path));
        Assert.Equal(0, cache.GetStatistics().OpenFiles);
    }

    [Fact]
    public void DeleteAndMoveAreRefusedWhileAHandleDoesNotShareDelete()
    {
        string path = ExistingFile("kept.bin");
        string other = ExistingFile("other.bin");
        using var cache = QuietCaches.Create();
        using (cache.Open(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            Assert.Throws<IOException>(() => cache.Delete(path));
            Assert.Throws<IOException>(() => cache.Move(path, _directory.File("moved.bin")));
            Assert.Throws<IOException>(() => cache.Move(other, path, overwrite: true)); // would replace it
            Assert.True(File.Exists(path));
            Assert.True(File.Exists(other));
        }

        using (cache.Open(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete))
        {
            cache.Move(path, _directory.File("moved.bin"));
        }

        Assert.False(File.Exists(path));
        cache.Delete(_directory.File("moved.bin"));
        Assert.False(File.Exists(_directory.File("moved.bin")));
    }

    [Fact]
    public void AWriteOpenOfAFileOpenReadOnlyOpensItForWriting()
    {
        string path = ExistingFile("upgraded.bin");
        using var cache = QuietCaches.Create();
        using CachedFile reader = cache.Open(path, FileMode.Open, FileAccess.Read);
        var read = new byte[PageSize];
        reader.Read(0, read); // cached through the read-only store
        byte[] written = BytePatterns.Create(PageSize, seed: 9);

        using (CachedFile writer = cache.Open(path, FileMode.Open, FileAccess.ReadWrite))
        {
            Assert.True(writer.CanWrite);
            Assert.False(reader.CanWrite);
            writer.Write(PageSize, written);
            writer.Flush();
        }

        Assert.Equal(PageSize, reader.Read(PageSize, read));
        Assert.Equal(written, read);
        Assert.Equal(written, RawFile.ReadAllBytes(path).AsSpan(PageSize, PageSize).ToArray()); // the file stays open for writing while any handle is
        Assert.Throws<NotSupportedException>(() => reader.Write(0, written));
    }

    [Fact]
    public void WithLockFilesAnotherOpenIsKeptOutAsFileStreamWouldKeepItOut()
    {
        string path = ExistingFile("locked-out.bin");
        using var cache = QuietCaches.Create();
        using (CachedFile reader = cache.Open(path, FileMode.Open, FileAccess.Read))
        {
            // Read-only: a shared lock, as FileShare.Read takes; another reader may open it, a writer that shares nothing may not.
            using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
            }

            Assert.Throws<IOException>(() => new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None));

            // Opened for writing: an exclusive lock, as FileShare.None takes.
            using CachedFile writer = cache.Open(path, FileMode.Open, FileAccess.ReadWrite);
            Assert.Throws<IOException>(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read));
        }

        using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            // Closed and durable: the cache holds no lock on a file it only keeps pages of.
        }
    }

    [Fact]
    public void AWriteOpenRefusedByAnotherOpensLockLeavesTheReadOnlyHandleAndItsLockAsTheyWere()
    {
        string path = ExistingFile("contended.bin");
        using var cache = QuietCaches.Create();
        using CachedFile reader = cache.Open(path, FileMode.Open, FileAccess.Read);
        using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            Assert.Throws<IOException>(() => cache.Open(path, FileMode.Open, FileAccess.ReadWrite));
        }

        var read = new byte[PageSize];
        Assert.Equal(PageSize, reader.Read(0, read));
        Assert.Throws<IOException>(() => new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)); // the shared lock is held again
        using CachedFile writer = cache.Open(path, FileMode.Open, FileAccess.ReadWrite); // and with nobody else, the write open succeeds
        Assert.True(writer.CanWrite);
    }

    [Fact]
    public void WithoutLockFilesAnotherOpenIsNotKeptOut()
    {
        string path = ExistingFile("unlocked.bin");
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 64 * PageSize, LockFiles = false });
        using CachedFile reader = cache.Open(path, FileMode.Open, FileAccess.Read);
        using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
        }

        using CachedFile writer = cache.Open(path, FileMode.Open, FileAccess.ReadWrite);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            Assert.Equal(2 * PageSize, stream.Length);
        }
    }

    private string ExistingFile(string name)
    {
        string path = _directory.File(name);
        File.WriteAllBytes(path, BytePatterns.Create(2 * PageSize, seed: 3));
        return path;
    }
}
