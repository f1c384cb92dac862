// QuireDirectory: a Lucene Directory whose files are read and written through one PageCache, the
// way FSDirectory reads and writes them through the OS page cache. The file names, listing,
// deletion and lengths of closed files come from the file system (System.IO on the directory's
// path); file contents go through CachedFiles; Sync makes the named files durable with
// CachedFile.Flush and then fsyncs the directory, as FSDirectory.Sync does; the lock is Lucene's
// NativeFSLockFactory on the same directory (an OS lock on write.lock), unless the caller gives one.
//
// Written files stay open. Closing a CachedFile's last handle flushes the file durably (unless the
// cache's FlushOnLastClose is off, which this directory does not own), and Lucene closes each file
// it writes long before it syncs it, reads most of them again soon after (merges, compound files),
// and deletes many without ever syncing them (a new segment's parts, once copied into its compound
// file). So the directory keeps the handle of each file it wrote when Lucene closes the output:
// Sync flushes it; DeleteFile drops its pages unwritten (CachedFile.Discard) and deletes the file. Nothing is made durable that Lucene did not
// ask to be, as with FSDirectory. A deleted file's handle is closed once no input of it is open,
// or when the directory is disposed.
//
// Locking: _lock guards _writtenFiles, _deletedFiles and _readerCounts; Lucene calls a directory
// from its indexing thread, its merge threads and its searchers at once. Never held across a
// CachedFile call or a file system call.
// Invariants: a name is in _writtenFiles only while its writable handle is open and its file
// exists; a written file is discarded only when no input or slicer of it is open, since
// discarding drops data a reader may not have read yet.

using Lucene.Net.Store;
using Lucene.Net.Util;

namespace Quire.Lucene;

/// <summary>
/// A Lucene.Net 4.8 <see cref="global::Lucene.Net.Store.Directory"/> over a Quire <see cref="PageCache"/>:
/// index files live in a file system directory, and their bytes are read and written through the
/// cache. Inputs read straight from the cache's frames (no copy into a buffer); clones and slices
/// share their file's handle.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Sync"/> is durable: when it returns, the named files' data and the directory's
/// entries are on the device (CachedFile.Flush, then an fsync of the directory).
/// </para>
/// <para>
/// <see cref="DeleteFile"/> drops the cached pages of a file this directory wrote without writing
/// them (Lucene deletes many files it never syncs), then deletes the file. Listing, existence and
/// deletion go through the file system.
/// </para>
/// <para>
/// The cache is not owned: dispose the directory first, then the cache. Disposing the directory
/// flushes the files it wrote and did not delete. Thread-safe, as Lucene requires.
/// </para>
/// </remarks>
public sealed class QuireDirectory : BaseDirectory
{
    private readonly PageCache _cache; // (I) not owned
    private readonly System.Threading.Lock _lock = new();
    private readonly Dictionary<string, CachedFile> _writtenFiles = new(StringComparer.Ordinal); // (L)
    private readonly Dictionary<string, CachedFile> _deletedFiles = new(StringComparer.Ordinal); // (L) written, deleted, still read
    private readonly Dictionary<string, int> _readerCounts = new(StringComparer.Ordinal); // (L) open inputs and slicers per file

    /// <summary>
    /// Opens a directory of index files at <paramref name="path"/> (created if missing) whose bytes
    /// go through <paramref name="cache"/>.
    /// </summary>
    /// <param name="cache">The cache; not owned, and must outlive the directory.</param>
    /// <param name="path">The file system directory holding the index files.</param>
    /// <param name="lockFactory">Lucene's lock factory; by default a <see cref="NativeFSLockFactory"/> on <paramref name="path"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/> or <paramref name="path"/> is null.</exception>
    public QuireDirectory(PageCache cache, string path, LockFactory? lockFactory = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(path);
        _cache = cache;
        DirectoryPath = Path.GetFullPath(path);
        System.IO.Directory.CreateDirectory(DirectoryPath);
        SetLockFactory(lockFactory ?? new NativeFSLockFactory(DirectoryPath));
    }

    /// <summary>The full path of the file system directory.</summary>
    public string DirectoryPath { get; }

    /// <inheritdoc/>
    public override LockFactory LockFactory => m_lockFactory;

    /// <inheritdoc/>
    public override void SetLockFactory(LockFactory lockFactory)
    {
        base.SetLockFactory(lockFactory);
        if (lockFactory is FSLockFactory files && files.LockDir is { } lockDirectory
            && string.Equals(Path.GetFullPath(lockDirectory.FullName).TrimEnd('/'), DirectoryPath.TrimEnd('/'), StringComparison.Ordinal))
        {
            // The locks live among the index files: no prefix is needed, as FSDirectory decides.
            lockFactory.LockPrefix = null;
        }
    }

    /// <inheritdoc/>
    public override string[] ListAll()
    {
        EnsureOpen();
        return [.. System.IO.Directory.EnumerateFiles(DirectoryPath).Select(path => Path.GetFileName(path))];
    }

    /// <inheritdoc/>
    [Obsolete("Lucene 4.8 declares it obsolete; kept because the base class declares it.")]
    public override bool FileExists(string name)
    {
        EnsureOpen();
        return File.Exists(PathOf(name));
    }

    /// <inheritdoc/>
    public override long FileLength(string name)
    {
        EnsureOpen();
        CachedFile? written;
        lock (_lock)
        {
            _writtenFiles.TryGetValue(name, out written);
        }

        // A file written here may have pages the store has not seen: the cache knows its length.
        if (written is not null)
        {
            return written.Length;
        }

        var file = new FileInfo(PathOf(name));
        return file.Exists ? file.Length : throw new FileNotFoundException($"The index file '{name}' does not exist in {DirectoryPath}.", name);
    }

    /// <inheritdoc/>
    public override void DeleteFile(string name)
    {
        EnsureOpen();
        string path = PathOf(name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The index file '{name}' does not exist in {DirectoryPath}.", name);
        }

        CachedFile? written;
        bool beingRead;
        lock (_lock)
        {
            _writtenFiles.Remove(name, out written);
            beingRead = _readerCounts.GetValueOrDefault(name) > 0;
            if (written is not null && beingRead)
            {
                _deletedFiles[name] = written; // closed by the last reader, or by Dispose
            }
        }

        if (written is not null && !beingRead)
        {
            written.Discard(0, long.MaxValue); // the file is going: its unwritten pages need not be written
            written.Dispose();
        }

        File.Delete(path);
    }

    /// <inheritdoc/>
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

        return new QuireIndexOutput(PathOf(name), file);
    }

    /// <inheritdoc/>
    public override void Sync(ICollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
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
        IOUtils.Fsync(DirectoryPath, isDir: true);
    }

    /// <inheritdoc/>
    public override IndexInput OpenInput(string name, IOContext context)
    {
        EnsureOpen();
        CachedFile file = OpenForReading(name);
        return new QuireIndexInput($"QuireIndexInput(path=\"{PathOf(name)}\")", file, 0, file.Length, () => CloseForReading(name, file));
    }

    /// <inheritdoc/>
    public override IndexInputSlicer CreateSlicer(string name, IOContext context)
    {
        EnsureOpen();
        CachedFile file = OpenForReading(name);
        return new QuireIndexInputSlicer(PathOf(name), file, () => CloseForReading(name, file));
    }

    /// <inheritdoc/>
    public override string ToString() => $"QuireDirectory@{DirectoryPath} lockFactory={LockFactory}";

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing || !CompareAndSetIsOpen(true, false))
        {
            return;
        }

        CachedFile[] open;
        lock (_lock)
        {
            open = [.. _writtenFiles.Values, .. _deletedFiles.Values];
            _writtenFiles.Clear();
            _deletedFiles.Clear();
        }

        foreach (CachedFile file in open)
        {
            file.Dispose(); // flushes what Lucene wrote and never synced nor deleted
        }
    }

    private string PathOf(string name) => Path.Combine(DirectoryPath, name);

    private CachedFile OpenForReading(string name)
    {
        string path = PathOf(name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The index file '{name}' does not exist in {DirectoryPath}.", name);
        }

        lock (_lock)
        {
            _readerCounts[name] = _readerCounts.GetValueOrDefault(name) + 1;
        }

        try
        {
            return _cache.Open(path, FileMode.Open, FileAccess.Read);
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
        CachedFile? deleted = null;
        lock (_lock)
        {
            int count = _readerCounts[name] - 1;
            if (count == 0)
            {
                _readerCounts.Remove(name);
                _deletedFiles.Remove(name, out deleted);
            }
            else
            {
                _readerCounts[name] = count;
            }
        }

        if (deleted is not null)
        {
            deleted.Discard(0, long.MaxValue); // deleted while read: its pages need not be written now
            deleted.Dispose();
        }
    }
}
