// QuireIndexOutput: a Lucene IndexOutput that writes a new file through a CachedFile. Lucene's
// BufferedIndexOutput gathers the bytes (16 KiB at a time) and keeps the CRC32 checksum of
// everything written (its Checksum, which Lucene's codecs write into each file's footer); each
// full buffer becomes one CachedFile.Write at the next offset, into the cache's pages. The handle
// is the directory's (see QuireDirectory): closing the output leaves it open.
//
// Locking: none; Lucene uses an output from one thread. The handle underneath is thread-safe.
// Invariants: _fileOffset is the number of bytes handed to the cache, the file's length as this
// output wrote it; Lucene writes outputs front to back (4.8 never seeks them).

using Lucene.Net.Store;

namespace Quire.Lucene;

internal sealed class QuireIndexOutput(string name, CachedFile file) : BufferedIndexOutput
{
    private long _fileOffset;
    private bool _disposed;

    public override long Length => _fileOffset;

    public override string ToString() => $"QuireIndexOutput(path=\"{name}\")";

    protected override void FlushBuffer(byte[] b, int offset, int len)
    {
        file.Write(_fileOffset, b.AsSpan(offset, len));
        _fileOffset += len;
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing || _disposed)
        {
            return;
        }

        _disposed = true;
        base.Dispose(disposing); // writes what is left in the buffer; the directory keeps the handle
    }
}
