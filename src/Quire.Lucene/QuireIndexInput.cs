// QuireIndexInput: a Lucene IndexInput over a file, or a slice of one (a file inside a compound
// file), that reads straight from the cache's frames: it keeps a storable lease (PageRangeLease)
// on the page under its position and reads bytes, integers and runs of bytes from the lease's
// span, repinning only when the position leaves that page (TryRepin, which allocates nothing).
//
// Clones, which Lucene makes freely (every terms enumeration and postings list) and never
// disposes, share the opened input's handle and start with no lease; each takes its own at its
// first read. A lease lives in a PageKeeper, the one object of the input that has a finalizer: a
// clone Lucene drops releases its page when the collector finds it, and the handle's Dispose
// releases whatever is left when the opened input (or the slicer) is disposed. When the cache's
// leases are at their bound (a quarter of the pool), the input copies the page into a buffer of
// its own instead of pinning it, so many clones never make a query fail.
//
// Locking: none; Lucene uses an input and each of its clones from one thread at a time. The handle
// underneath is thread-safe.
// Invariants: [_windowStart, _windowEnd) are the positions (relative to the slice) whose bytes the
// lease, or in copy mode _copy, holds now; empty when neither does. Every read of the window's
// bytes is followed by a write to a field of this input, which keeps it (and so its PageKeeper)
// reachable until the bytes are read: the finalizer never releases a page under a read.

using System.Buffers.Binary;
using Lucene.Net.Store;

namespace Quire.Lucene;

internal sealed class QuireIndexInput : IndexInput
{
    private readonly CachedFile _file; // (I) shared with clones and slices; owned by the directory's input or slicer
    private readonly long _sliceOffset; // (I) where the slice starts in the file
    private readonly long _length; // (I)
    private readonly int _pageSize; // (I)
    private Action? _onDispose; // the opened input's: closes its handle; null for clones and slices
    private PageKeeper? _keeper; // this input's own lease; never shared with a clone
    private byte[]? _copy; // copy mode: the window's bytes, when the leases' bound was reached
    private long _position; // the next byte to read, relative to the slice
    private long _windowStart;
    private long _windowEnd;
    private bool _disposed;

    public QuireIndexInput(string resourceDescription, CachedFile file, long sliceOffset, long length, Action? onDispose)
        : base(resourceDescription)
    {
        _file = file;
        _sliceOffset = sliceOffset;
        _length = length;
        _pageSize = file.PageSize;
        _onDispose = onDispose;
    }

    public override long Length => _length;

    public override long Position => _position;

    public override void Seek(long pos)
    {
        if (pos < 0 || pos > _length)
        {
            throw new EndOfStreamException($"Seek to {pos} is outside {this}, which has {_length} bytes.");
        }

        _position = pos;
    }

    public override byte ReadByte()
    {
        long position = _position;
        if (position < _windowStart || position >= _windowEnd)
        {
            MoveWindow(position, 1);
        }

        byte value = Window()[(int)(position - _windowStart)];
        _position = position + 1;
        return value;
    }

    public override void ReadBytes(byte[] b, int offset, int len)
    {
        ArgumentNullException.ThrowIfNull(b);
        Span<byte> target = b.AsSpan(offset, len);
        long position = _position;
        if (len > _length - position)
        {
            throw new EndOfStreamException($"Read of {len} bytes at {position} is past the end of {this}, which has {_length} bytes.");
        }

        while (!target.IsEmpty)
        {
            if (position < _windowStart || position >= _windowEnd)
            {
                MoveWindow(position, 1);
            }

            int chunk = (int)Math.Min(target.Length, _windowEnd - position);
            Window().Slice((int)(position - _windowStart), chunk).CopyTo(target);
            target = target[chunk..];
            position += chunk;
            _position = position;
        }
    }

    public override short ReadInt16()
    {
        long position = _position;
        if (position >= _windowStart && position + sizeof(short) <= _windowEnd)
        {
            short value = BinaryPrimitives.ReadInt16BigEndian(Window()[(int)(position - _windowStart)..]);
            _position = position + sizeof(short);
            return value;
        }

        return base.ReadInt16();
    }

    public override int ReadInt32()
    {
        long position = _position;
        if (position >= _windowStart && position + sizeof(int) <= _windowEnd)
        {
            int value = BinaryPrimitives.ReadInt32BigEndian(Window()[(int)(position - _windowStart)..]);
            _position = position + sizeof(int);
            return value;
        }

        return base.ReadInt32();
    }

    public override long ReadInt64()
    {
        long position = _position;
        if (position >= _windowStart && position + sizeof(long) <= _windowEnd)
        {
            long value = BinaryPrimitives.ReadInt64BigEndian(Window()[(int)(position - _windowStart)..]);
            _position = position + sizeof(long);
            return value;
        }

        return base.ReadInt64();
    }

    public override object Clone()
    {
        var clone = (QuireIndexInput)base.Clone();
        clone._onDispose = null;
        clone._keeper = null;
        clone._copy = null;
        clone._windowStart = 0;
        clone._windowEnd = 0;
        return clone;
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing || _disposed)
        {
            return;
        }

        _disposed = true;
        _windowStart = _windowEnd = 0;
        _keeper?.Dispose();
        _keeper = null;
        _onDispose?.Invoke();
    }

    private ReadOnlySpan<byte> Window()
    {
        if (_copy is not null)
        {
            return _copy.AsSpan(0, (int)(_windowEnd - _windowStart));
        }

        return _keeper!.Lease!.GetPageSpan(0);
    }

    /// <summary>
    /// Makes the window the page that holds <paramref name="position"/>, clipped to the slice:
    /// repins this input's lease there, or takes its first one, or copies the page when the
    /// cache's leases are at their bound. <paramref name="needed"/> bytes must lie in the slice.
    /// </summary>
    private void MoveWindow(long position, int needed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (position < 0 || position + needed > _length)
        {
            throw new EndOfStreamException($"Read at {position} is past the end of {this}, which has {_length} bytes.");
        }

        long fileOffset = _sliceOffset + position;
        long pageStart = fileOffset - (fileOffset % _pageSize);
        long from = Math.Max(pageStart, _sliceOffset);
        long to = Math.Min(pageStart + _pageSize, _sliceOffset + _length);
        int byteCount = (int)(to - from);
        _windowStart = _windowEnd = 0;
        bool pinned;
        if (_keeper?.Lease is { } lease)
        {
            pinned = _file.TryRepin(lease, from, byteCount);
        }
        else if (_file.TryPinRange(from, byteCount, out PageRangeLease? taken))
        {
            (_keeper ??= new PageKeeper()).Lease = taken;
            pinned = true;
        }
        else
        {
            pinned = false;
        }

        if (pinned)
        {
            _copy = null;
        }
        else
        {
            _copy ??= new byte[_pageSize];
            ReadFully(from, _copy.AsSpan(0, byteCount));
        }

        _windowStart = from - _sliceOffset;
        _windowEnd = to - _sliceOffset;
    }

    private void ReadFully(long fileOffset, Span<byte> target)
    {
        while (!target.IsEmpty)
        {
            int read = _file.Read(fileOffset, target);
            if (read == 0)
            {
                throw new EndOfStreamException($"The file under {this} ended at {fileOffset}, before the {_length} bytes of the slice.");
            }

            target = target[read..];
            fileOffset += read;
        }
    }

    /// <summary>
    /// Holds an input's lease and releases it when the input is disposed or, for a clone Lucene
    /// drops without disposing, when the collector finds the input unreachable. A finalizer rather
    /// than a SafeHandle: what it releases is a lease object, not an operating-system handle; and
    /// it is here, on one small object per input that reads, rather than on every lease, which
    /// would make each lease an allocation the collector must track.
    /// </summary>
    private sealed class PageKeeper : IDisposable
    {
        public PageRangeLease? Lease { get; set; }

        public void Dispose()
        {
            Lease?.Dispose();
            Lease = null;
            GC.SuppressFinalize(this);
        }

        ~PageKeeper()
        {
            // The input is unreachable, so nothing reads the lease; releasing it only returns
            // holds, which any thread may do. A lease its handle already released does nothing.
            Lease?.Dispose();
        }
    }
}
