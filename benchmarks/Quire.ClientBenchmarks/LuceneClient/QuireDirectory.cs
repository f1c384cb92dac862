// QuireDirectory: a Lucene Directory whose files are read and written through one PageCache,
// the way FSDirectory reads and writes them through the OS page cache. The file names, listing,
// deletion and lengths of closed files come from the file system (System.IO on the directory's
// path); file contents go through CachedFiles; Sync makes the named files durable with
// CachedFile.Flush and then fsyncs the directory, as FSDirectory.Sync does.
//
// Written files stay open. Closing a CachedFile's last handle flushes the file durably and drops
// its pages, and Lucene closes each file it writes long before it syncs it, reads most of them
// again soon after (merges, compound files), and deletes many without ever syncing them (a new
// segment's parts, once copied into its compound file). So the directory keeps the handle of each
// file it wrote when Lucene closes the output: Sync flushes it, DeleteFile drops its pages
// unwritten (CachedFile.Discard). Nothing is made durable that Lucene did not ask to be, as with
// FSDirectory.
//
// Deleted files' handles are closed only when the directory is disposed: closing a file's last
// handle while the cache's page writer is writing it back can stop the page writer (it starts
// the OS write-out on the file's store after the store was disposed: ObjectDisposedException,
// then PageCacheInvariantException on every later call; seen at the library's commit 005fb14).
// Closing each file as Lucene closes its output hit that within seconds.
//
// Locking: _lock guards _writtenFiles, _deletedFiles and _readerCounts; Lucene calls a directory
// from its indexing thread and its merge threads at once. Never held across a CachedFile call.
// Invariants: a name is in _writtenFiles only while its writable handle is open and its file
// exists; a written file is discarded only when no input or slicer of it is open, since
// discarding drops data a reader may not have read yet.

using Lucene.Net.Store;
using Lucene.Net.Util;

namespace Quire.ClientBenchmarks.LuceneClient;

internal sealed class QuireDirectory : BaseDirectory
{
    private readonly PageCache _cache; // (I) not owned
    private readonly string _path; // (I)
    private readonly System.Threading.Lock _lock = new();
    private readonly Dictionary<string, CachedFile> _writtenFiles = new(StringComparer.Ordinal); // (L)
    private readonly List<CachedFile> _deletedFiles = []; // (L) written, then deleted: closed on Dispose
    private readonly Dictionary<string, int> _readerCounts = new(StringComparer.Ordinal); // (L) open inputs and slicers per file

    public QuireDirectory(PageCache cache, string path)
    {
        _cache = cache;
        _path = Path.GetFullPath(path);
        System.IO.Directory.CreateDirectory(_path);
        // One writer per index in one process: Lucene's in-process lock is enough, and it leaves
        // no lock file behind to list.
        SetLockFactory(new SingleInstanceLockFactory());
    }

    public override string[] ListAll()
    {
        EnsureOpen();
        return System.IO.Directory.EnumerateFiles(_path).Select(path => Path.GetFileName(path)).ToArray();
    }

    [Obsolete("Lucene 4.8 declares it obsolete; kept because the base class declares it.")]
    public override bool FileExists(string name)
    {
        EnsureOpen();
        return File.Exists(PathOf(name));
    }

    public override long FileLength(string name)
    {
        EnsureOpen();
        CachedFile? written;
        lock (_lock)
        {
            _writtenFiles.TryGetValue(name, out written);
        }

        // A file still open for writing may have pages the store has not seen: the cache knows its length.
        if (written is not null)
        {
            return written.Length;
        }

        var file = new FileInfo(PathOf(name));
        return file.Exists ? file.Length : throw new FileNotFoundException($"The index file '{name}' does not exist in {_path}.", name);
    }

    public override void DeleteFile(string name)
    {
        EnsureOpen();
        CachedFile? written;
        bool beingRead;
        lock (_lock)
        {
            if (_writtenFiles.Remove(name, out written))
            {
                _deletedFiles.Add(written);
            }

            beingRead = _readerCounts.GetValueOrDefault(name) > 0;
        }

        if (written is not null && !beingRead)
        {
            written.Discard(0, long.MaxValue); // the file is going: its unwritten pages need not be written
        }

        File.Delete(PathOf(name));
    }

    public override IndexOutput CreateOutput(string name, IOContext context)
    {
        EnsureOpen();
        if (File.Exists(PathOf(name)))
        {
            DeleteFile(name); // as FSDirectory does: Lucene rewrites only segments.gen, after deleting it
        }

        CachedFile file = _cache.Open(PathOf(name), FileMode.CreateNew);
        lock (_lock)
        {
            _writtenFiles.Add(name, file);
        }

        return new QuireIndexOutput(file);
    }

    public override void Sync(ICollection<string> names)
    {
        EnsureOpen();
        foreach (string name in names)
        {
            CachedFile? written;
            lock (_lock)
            {
                _writtenFiles.TryGetValue(name, out written);
            }

            written?.Flush();
        }

        // The new files' names must be durable too.
        IOUtils.Fsync(_path, isDir: true);
    }

    public override IndexInput OpenInput(string name, IOContext context)
    {
        EnsureOpen();
        CachedFile file = OpenForReading(name);
        return new QuireIndexInput($"QuireIndexInput(path=\"{PathOf(name)}\")", file, 0, file.Length, context, () => CloseForReading(name, file));
    }

    public override IndexInputSlicer CreateSlicer(string name, IOContext context)
    {
        EnsureOpen();
        CachedFile file = OpenForReading(name);
        return new QuireIndexInputSlicer(PathOf(name), file, context, () => CloseForReading(name, file));
    }

    public override LockFactory LockFactory => m_lockFactory;

    public override string ToString() => $"QuireDirectory@{_path}";

    protected override void Dispose(bool disposing)
    {
        if (!disposing || !CompareAndSetIsOpen(true, false))
        {
            return;
        }

        CachedFile[] open;
        lock (_lock)
        {
            open = [.. _writtenFiles.Values, .. _deletedFiles];
            _writtenFiles.Clear();
            _deletedFiles.Clear();
        }

        foreach (CachedFile file in open)
        {
            file.Dispose(); // flushes what Lucene wrote and never synced nor deleted
        }
    }

    private string PathOf(string name) => Path.Combine(_path, name);

    private CachedFile OpenForReading(string name)
    {
        lock (_lock)
        {
            _readerCounts[name] = _readerCounts.GetValueOrDefault(name) + 1;
        }

        try
        {
            return _cache.Open(PathOf(name), FileMode.Open, FileAccess.Read);
        }
        catch
        {
            CloseForReading(name, file: null);
            throw;
        }
    }

    private void CloseForReading(string name, CachedFile? file)
    {
        file?.Dispose();
        lock (_lock)
        {
            int count = _readerCounts[name] - 1;
            if (count == 0)
            {
                _readerCounts.Remove(name);
            }
            else
            {
                _readerCounts[name] = count;
            }
        }
    }
}
