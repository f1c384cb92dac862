// QuireIndexInput: a Lucene IndexInput that reads a file, or a slice of one (a file inside a
// compound file), through a CachedFile. Lucene's BufferedIndexInput keeps a small buffer (1 KiB,
// 4 KiB when merging, as for NIOFSDirectory) and refills it with positional CachedFile.Reads, so
// clones (which Lucene makes freely and never closes) share the handle safely.
//
// Locking: none; an input and each of its clones are used by one thread at a time. The handle
// underneath is thread-safe.
// Invariants: only the input the directory opened (not a clone, not a slice) runs _onDispose,
// once; reads stay within [_sliceOffset, _sliceOffset + _length).

using Lucene.Net.Store;

namespace Quire.ClientBenchmarks.LuceneClient;

internal sealed class QuireIndexInput : BufferedIndexInput
{
    private readonly CachedFile _file; // (I) shared with clones
    private readonly long _sliceOffset; // (I)
    private readonly long _length; // (I)
    private Action? _onDispose; // null for clones and slices
    private bool _disposed;

    public QuireIndexInput(string resourceDescription, CachedFile file, long sliceOffset, long length, IOContext context, Action? onDispose)
        : base(resourceDescription, context)
    {
        _file = file;
        _sliceOffset = sliceOffset;
        _length = length;
        _onDispose = onDispose;
    }

    public override long Length => _length;

    public override object Clone()
    {
        var clone = (QuireIndexInput)base.Clone();
        clone._onDispose = null;
        return clone;
    }

    protected override void ReadInternal(byte[] b, int offset, int length)
    {
        long position = Position; // BufferedIndexInput's file pointer: where this read starts
        if (position + length > _length)
        {
            throw new EndOfStreamException($"read past EOF: {this} (position {position}, {length} bytes, length {_length})");
        }

        Span<byte> target = b.AsSpan(offset, length);
        long fileOffset = _sliceOffset + position;
        while (!target.IsEmpty)
        {
            int read = _file.Read(fileOffset, target);
            if (read == 0)
            {
                throw new EndOfStreamException($"read past EOF: {this} (file offset {fileOffset}, file length {_file.Length})");
            }

            target = target[read..];
            fileOffset += read;
        }
    }

    protected override void SeekInternal(long pos)
    {
        // Reads are positional: nothing to move.
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _onDispose?.Invoke();
        }
    }
}
