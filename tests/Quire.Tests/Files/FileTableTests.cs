// Proves the file table finds file objects by key (paths by ordinal value, stores by
// reference) and by id, grows its id map, and reuses an id only after its file object left.

using Quire.Files;

namespace Quire.Tests.Files;

public sealed class FileTableTests
{
    [Fact]
    public void AddedFileIsFoundByKeyAndById()
    {
        var table = new FileTable();
        FileObject file;
        lock (table.Lock)
        {
            file = NewFile(table.AllocateIdLocked(), "/a/b");
            table.AddLocked(file);
            Assert.True(table.TryGetLocked("/a/b", out FileObject found));
            Assert.Same(file, found);
            Assert.False(table.TryGetLocked("/A/B", out _));
        }

        Assert.Same(file, table.GetById(file.Id));
        Assert.Null(table.GetById(file.Id + 1));
        Assert.Null(table.GetById(-1));
        Assert.Null(table.GetById(int.MaxValue));
        Assert.Equal([file], table.Snapshot());
    }

    [Fact]
    public void StoresAreKeyedByReference()
    {
        var table = new FileTable();
        var first = new MemoryBackingStore("same");
        var second = new MemoryBackingStore("same");
        lock (table.Lock)
        {
            table.AddLocked(new FileObject(table.AllocateIdLocked(), first, first, true, 0));

            Assert.True(table.TryGetLocked(first, out _));
            Assert.False(table.TryGetLocked(second, out _));
            Assert.False(table.TryGetLocked("same", out _));
        }
    }

    [Fact]
    public void IdsAreUniqueAndReusedOnlyAfterRemoval()
    {
        var table = new FileTable();
        lock (table.Lock)
        {
            var files = new List<FileObject>();
            for (int i = 0; i < 40; i++)
            {
                var file = NewFile(table.AllocateIdLocked(), $"/f{i}");
                table.AddLocked(file);
                files.Add(file);
            }

            Assert.Equal(40, files.Select(f => f.Id).Distinct().Count());
            Assert.All(files, f => Assert.Same(f, table.GetById(f.Id)));

            table.RemoveLocked(files[7]);
            Assert.Null(table.GetById(files[7].Id));
            Assert.False(table.TryGetLocked("/f7", out _));
            Assert.Equal(files[7].Id, table.AllocateIdLocked());
        }
    }

    [Fact]
    public void ReleasedIdIsHandedOutAgain()
    {
        var table = new FileTable();
        lock (table.Lock)
        {
            int id = table.AllocateIdLocked();
            table.ReleaseIdLocked(id);

            Assert.Equal(id, table.AllocateIdLocked());
            Assert.NotEqual(id, table.AllocateIdLocked());
        }
    }

    private static FileObject NewFile(int id, string key) => new(id, key, new MemoryBackingStore(key), true, 0);
}
