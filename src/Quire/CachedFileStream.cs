// CachedFileStream: a seekable Stream over a CachedFile, so code written against Stream
// (readers and writers, compression, archives, serializers, CopyTo) reads and writes through the
// page cache without change.
//
// Without a buffer (the default) every call goes to the handle; with one (AsStream(bufferSize:)),
// small reads and writes are served from a buffer of the stream's own, as FileStream's are
// (CachedFileStream.Buffer.cs).
//
// Locking: none of its own. Like FileStream, one stream is used by one thread at a time: the
// position (_position) and the buffer are plain state owned by the caller. The handle underneath
// is thread-safe, so several streams over one handle (each with its own position) may be used
// concurrently.
// Invariants: _position >= 0 is the logical position (the buffer's bytes included); without a
// buffer every byte written is in the cache when Write returns, and Length and Read see it at
// once through any handle.

using Quire.Internal;

namespace Quire;

/// <summary>
/// A <see cref="Stream"/> over a <see cref="CachedFile"/>: reads and writes at the stream's
/// position go through the cache's frames. Created by <see cref="CachedFile.AsStream"/>.
/// </summary>
/// <remarks>
/// <para>
/// By default the stream adds no buffer of its own: the cache is the buffer. A write is in the
/// cache, and visible to every handle of the file, when it returns. With a buffer
/// (<see cref="CachedFile.AsStream(bool, int)"/>), small reads and writes cost a copy, as through a
/// <see cref="FileStream"/>: written bytes reach the cache (and the file's other handles) when the
/// buffer fills, and on a seek, a read, <see cref="SetLength"/>, a flush or disposal; a read
/// buffer is refilled from the cache when the position leaves it. <see cref="Flush()"/> makes everything
/// written to the file durable (it calls <see cref="CachedFile.Flush()"/>), so wrappers that flush
/// often (a <see cref="StreamWriter"/> with <see cref="StreamWriter.AutoFlush"/>) pay a durable
/// flush each time they have written (a flush with nothing written since the last costs nothing).
/// Where it differs from an unbuffered <see cref="FileStream"/> it does on purpose; the
/// getting-started guide lists how.
/// </para>
/// <para>
/// The stream is not thread-safe, as <see cref="FileStream"/> is not: its position is shared
/// state. Use one stream per thread; the handle underneath may be shared.
/// </para>
/// <para>
/// Disposing the stream disposes the handle unless the stream was created with
/// <c>leaveOpen: true</c>, the convention of .NET's wrapping streams. Disposing the last handle
/// of a file flushes it, so <see cref="Stream.Dispose()"/> may throw a
/// <see cref="WritebackFailedException"/>.
/// </para>
/// </remarks>
public sealed partial class CachedFileStream : Stream
{
    private readonly CachedFile _file; // (I)
    private readonly bool _leaveOpen; // (I)
    private long _position; // owned by the calling thread
    private bool _disposed; // owned by the calling thread

    internal CachedFileStream(CachedFile file, bool leaveOpen, int bufferSize)
    {
        _file = file;
        _leaveOpen = leaveOpen;
        _bufferSize = bufferSize > 1 ? bufferSize : 0; // 0 or 1: no buffer, as FileStream's
    }

    /// <summary>The handle the stream reads and writes.</summary>
    public CachedFile File => _file;

    /// <summary>True while neither the stream nor its handle nor the cache is disposed.</summary>
    public override bool CanRead => !IsClosed;

    /// <summary>True while the stream is open and its handle may write.</summary>
    public override bool CanWrite => !IsClosed && _file.CanWrite;

    /// <summary>True while the stream is open: a cached file can always seek.</summary>
    public override bool CanSeek => !IsClosed;

    /// <summary>The file's size in bytes as the cache sees it, including writes not yet flushed.</summary>
    /// <exception cref="ObjectDisposedException">The stream, its handle or the cache was disposed.</exception>
    public override long Length
    {
        get
        {
            ThrowIfDisposed();
            long length = _file.Length;
            return _writeLength > 0 ? Math.Max(length, _position) : length; // buffered bytes end at the position
        }
    }

    /// <summary>
    /// The position of the next read or write. May be set past the end: a read there returns 0,
    /// and a write there extends the file with a gap that reads as zeros.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    /// <exception cref="ObjectDisposedException">The stream, its handle or the cache was disposed.</exception>
    public override long Position
    {
        get
        {
            ThrowIfDisposed();
            return _position;
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ThrowIfDisposed();
            MoveTo(value);
        }
    }

    /// <summary>Reads into <paramref name="buffer"/> from the position and advances it; returns 0 at or past the end.</summary>
    /// <exception cref="IOException">The range read would end past the largest file offset, as <see cref="FileStream"/> reports it; or the store failed to read a page the call needs (<see cref="BackingStoreException"/>).</exception>
    /// <exception cref="ObjectDisposedException">The stream, its handle or the cache was disposed.</exception>
    public override int Read(Span<byte> buffer)
    {
        ThrowIfDisposed();
        ThrowIfPastMaxOffset("read", buffer.Length);
        if (_bufferSize > 0)
        {
            return ReadBuffered(buffer);
        }

        int read = _file.Read(_position, buffer);
        _position += read;
        return read;
    }

    /// <summary>Reads into <paramref name="count"/> bytes of <paramref name="buffer"/> at <paramref name="offset"/>; see <see cref="Read(Span{byte})"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is negative or past the buffer's end.</exception>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <summary>Reads one byte, or returns -1 at or past the end.</summary>
    public override int ReadByte()
    {
        if (_readPosition < _readLength && !IsClosed)
        {
            _position++;
            return _buffer![_readPosition++];
        }

        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    /// <summary>
    /// Reads asynchronously; the same contract as <see cref="Read(Span{byte})"/>. Completes
    /// synchronously, without allocating, when every page is a hit.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the position did not move.</exception>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        ThrowIfDisposed();
        ThrowIfPastMaxOffset("read", buffer.Length);
        if (_bufferSize > 0)
        {
            return ReadBufferedAsync(buffer, cancellationToken);
        }

        ValueTask<int> read = _file.ReadAsync(_position, buffer, cancellationToken);
        if (read.IsCompletedSuccessfully)
        {
            int count = read.Result;
            _position += count;
            return new ValueTask<int>(count);
        }

        return AdvanceWhenRead(read);
    }

    /// <summary>Reads asynchronously into part of an array; see <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is negative or past the buffer's end.</exception>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>
    /// Writes <paramref name="buffer"/> at the position and advances it, extending the file when
    /// it writes past the end. The data is in the cache, not durable, when this returns.
    /// </summary>
    /// <exception cref="NotSupportedException">The handle is read-only.</exception>
    /// <exception cref="IOException">The write would end past the largest file offset, or the store failed (<see cref="BackingStoreException"/>).</exception>
    /// <exception cref="ObjectDisposedException">The stream, its handle or the cache was disposed.</exception>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfDisposed();
        ThrowIfReadOnly();
        ThrowIfPastMaxOffset("write", buffer.Length);
        if (_bufferSize > 0)
        {
            WriteBuffered(buffer);
        }
        else if (!buffer.IsEmpty)
        {
            _file.Write(_position, buffer);
            _position += buffer.Length;
        }
    }

    /// <summary>Writes <paramref name="count"/> bytes of <paramref name="buffer"/> from <paramref name="offset"/>; see <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is negative or past the buffer's end.</exception>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <summary>Writes one byte at the position; see <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
    public override void WriteByte(byte value)
    {
        if (_readLength == 0 && _writeLength < _bufferSize && _position < long.MaxValue && CanWrite)
        {
            (_buffer ??= new byte[_bufferSize])[_writeLength++] = value;
            _position++;
            return;
        }

        Write([value]);
    }

    /// <summary>
    /// Writes asynchronously; the same contract as <see cref="Write(ReadOnlySpan{byte})"/>. A write
    /// is a copy into the cache and completes synchronously, unless the dirty limit calls for a
    /// pause, which is awaited without holding a thread (see
    /// <see cref="CachedFile.WriteAsync(long, ReadOnlyMemory{byte}, CancellationToken)"/>). The
    /// position has moved past the data when this returns.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before anything was written.</exception>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            ThrowIfDisposed();
            ThrowIfReadOnly();
            ThrowIfPastMaxOffset("write", buffer.Length);
            if (buffer.IsEmpty)
            {
                return ValueTask.CompletedTask;
            }

            if (_bufferSize > 0)
            {
                return WriteBufferedAsync(buffer, cancellationToken);
            }

            ValueTask written = _file.WriteAsync(_position, buffer, cancellationToken);
            _position += buffer.Length; // the data is in the cache: only a throttle pause may be left
            return written;
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            // I/O errors surface through the task, as an asynchronous write's would; argument,
            // mode and disposal errors are the caller's mistakes and are thrown at once.
            return ValueTask.FromException(e);
        }
    }

    /// <summary>Writes part of an array asynchronously; see <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is negative or past the buffer's end.</exception>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>Moves the position relative to the start, the position or the end, and returns it.</summary>
    /// <exception cref="ArgumentException"><paramref name="origin"/> is not a defined <see cref="SeekOrigin"/>.</exception>
    /// <exception cref="IOException">The new position would be before the start of the stream or past <see cref="long.MaxValue"/> (as <see cref="FileStream"/> reports both); the position stays.</exception>
    /// <exception cref="ObjectDisposedException">The stream, its handle or the cache was disposed.</exception>
    public override long Seek(long offset, SeekOrigin origin)
    {
        if (origin is not (SeekOrigin.Begin or SeekOrigin.Current or SeekOrigin.End))
        {
            throw new ArgumentException($"'{nameof(origin)}' is not a defined SeekOrigin value: {(int)origin}.", nameof(origin));
        }

        ThrowIfDisposed();
        long basis = origin switch
        {
            SeekOrigin.Begin => 0,
            SeekOrigin.Current => _position,
            _ => Length,
        };
        if (offset > 0 && basis > long.MaxValue - offset)
        {
            throw new IOException($"Seeking {offset} bytes from {origin} ({basis}) in '{_file.Name}' ends past the largest file offset ({long.MaxValue}).");
        }

        long position = basis + offset;
        if (position < 0)
        {
            // As FileStream: an attempt to move before the start is an IOException, and the position stays.
            throw new IOException($"An attempt was made to move the position of '{_file.Name}' before the beginning of the stream: {offset} bytes from {origin} ({basis}).");
        }

        MoveTo(position);
        return position;
    }

    /// <summary>
    /// Sets the file's length (see <see cref="CachedFile.SetLength"/>). A position past the new end
    /// moves to the new end, as <see cref="FileStream"/> does.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative, or larger than the file system allows a file to be (as <see cref="FileStream"/> reports it; the store's error is the inner exception, and nothing changed).</exception>
    /// <exception cref="NotSupportedException">The handle is read-only.</exception>
    /// <exception cref="IOException">The store failed to change its length (<see cref="BackingStoreException"/>); nothing changed.</exception>
    /// <exception cref="ObjectDisposedException">The stream, its handle or the cache was disposed.</exception>
    public override void SetLength(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ThrowIfDisposed();
        ThrowIfReadOnly();
        FlushWriteBuffer();
        DropReadBuffer();
        try
        {
            _file.SetLength(value);
        }
        catch (BackingStoreException e) when (e.ErrorKind == IOErrorKind.TooLarge)
        {
            throw new ArgumentOutOfRangeException($"The length {value} is larger than the file system allows '{_file.Name}' to be.", e);
        }

        if (_position > value)
        {
            _position = value;
        }
    }

    /// <summary>
    /// Makes everything written to the file durable (<see cref="CachedFile.Flush()"/>). On a
    /// read-only handle it writes nothing and reports any write error this handle has not seen.
    /// </summary>
    /// <exception cref="WritebackFailedException">Some data could not be written or made durable; it stays in the cache.</exception>
    /// <exception cref="ObjectDisposedException">The stream, its handle or the cache was disposed.</exception>
    public override void Flush()
    {
        ThrowIfDisposed();
        FlushWriteBuffer();
        _file.Flush();
    }

    /// <summary>
    /// Flushes; the same contract as <see cref="Flush()"/>. Cancellation ends the wait at any
    /// point, even while the store's durable flush hangs (the flush goes on in the background; see
    /// <see cref="CachedFile.FlushAsync"/>). Completes synchronously when nothing is to be made durable.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the flush finished.</exception>
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        ThrowIfDisposed();
        return _writeLength > 0 ? FlushBufferedAsync(cancellationToken) : _file.FlushAsync(cancellationToken).AsTask();
    }

    /// <summary>Begins an asynchronous read (the APM pattern over <see cref="ReadAsync(byte[], int, int, CancellationToken)"/>).</summary>
    /// <exception cref="ObjectDisposedException">The stream, its handle or the cache was disposed.</exception>
    public override IAsyncResult BeginRead(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state)
    {
        ThrowIfDisposed();
        return base.BeginRead(buffer, offset, count, callback, state);
    }

    /// <summary>Begins an asynchronous write (the APM pattern over <see cref="WriteAsync(byte[], int, int, CancellationToken)"/>).</summary>
    /// <exception cref="ObjectDisposedException">The stream, its handle or the cache was disposed.</exception>
    /// <exception cref="NotSupportedException">The handle is read-only.</exception>
    public override IAsyncResult BeginWrite(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state)
    {
        ThrowIfDisposed();
        return base.BeginWrite(buffer, offset, count, callback, state);
    }

    /// <summary>Closes the stream and, unless it was created with <c>leaveOpen: true</c>, its handle. Idempotent.</summary>
    /// <exception cref="WritebackFailedException">The stream disposed the file's last handle, whose data could not be made durable.</exception>
    public override async ValueTask DisposeAsync()
    {
        try
        {
            if (!_disposed && _writeLength > 0)
            {
                await FlushWriteBufferAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            try
            {
                if (MarkDisposed() && !_leaveOpen)
                {
                    await _file.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                // Already marked disposed: the base's Dispose(true) releases nothing twice.
                await base.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Closes the stream and, unless it was created with <c>leaveOpen: true</c>, its handle.</summary>
    protected override void Dispose(bool disposing)
    {
        try
        {
            if (disposing && !_disposed && _writeLength > 0)
            {
                FlushWriteBuffer(); // as FileStream: the buffer reaches the file before it closes
            }
        }
        finally
        {
            try
            {
                if (MarkDisposed() && disposing && !_leaveOpen)
                {
                    _file.Dispose();
                }
            }
            finally
            {
                base.Dispose(disposing);
            }
        }
    }

    private bool IsClosed => _disposed || _file.IsClosed;

    private bool MarkDisposed()
    {
        bool first = !_disposed;
        _disposed = true;
        _writeLength = 0;
        DropReadBuffer();
        return first;
    }

    private async ValueTask<int> AdvanceWhenRead(ValueTask<int> read)
    {
        int count = await read.ConfigureAwait(false);
        _position += count;
        return count;
    }

    private void ThrowIfDisposed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _file.ThrowIfDisposed();
    }

    private void ThrowIfReadOnly()
    {
        if (!_file.CanWrite)
        {
            ThrowHelper.ThrowNotWritable(_file.Name);
        }
    }

    /// <summary>
    /// FileStream reports a read or a write whose range ends past the largest offset as an
    /// IOException (the kernel's EINVAL or EFBIG), even where nothing would be read: so does this.
    /// </summary>
    private void ThrowIfPastMaxOffset(string operation, int byteCount)
    {
        if (byteCount > long.MaxValue - _position)
        {
            throw new IOException($"A {operation} of {byteCount} bytes at position {_position} of '{_file.Name}' would end past the largest file offset ({long.MaxValue}).");
        }
    }
}
