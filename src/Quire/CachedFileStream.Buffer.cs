// CachedFileStream's own buffer (AsStream(bufferSize:)), for code that reads and writes a few
// bytes at a time (BinaryReader, BinaryWriter, serializers): a call into the cache looks pages up
// and holds them, a copy into a buffer does not. It follows FileStream's buffering
// (BufferedFileStreamStrategy): the buffer holds either bytes read ahead or bytes to write, never
// both; a read or a write as large as the buffer bypasses it; writes reach the cache when the
// buffer fills, and before a read, a seek out of it, SetLength, a flush or disposal. Reaching the
// cache is a copy, never a durable flush: only Flush makes data durable.
//
// State: _buffer[0.._readLength) holds the file's bytes from _position - _readPosition on;
// _buffer[0.._writeLength) holds bytes to write at _position - _writeLength.
// Invariants: _readLength == 0 || _writeLength == 0; 0 <= _readPosition <= _readLength.
//
// Locking: none; the stream's caller owns it, as it owns the position.

namespace Quire;

public sealed partial class CachedFileStream
{
    private readonly int _bufferSize; // (I) 0: no buffer
    private byte[]? _buffer; // allocated at first use
    private int _readPosition; // the position's index in the read buffer
    private int _readLength; // bytes read ahead into the buffer
    private int _writeLength; // bytes in the buffer to write

    /// <summary>The size of the stream's own buffer in bytes; 0 when it has none (the default).</summary>
    public int BufferSize => _bufferSize;

    private byte[] Buffer => _buffer ??= new byte[_bufferSize];

    /// <summary>Moves the position, keeping the read buffer when the new position is inside it.</summary>
    private void MoveTo(long position)
    {
        if (_readLength > 0)
        {
            long bufferStart = _position - _readPosition;
            if (position >= bufferStart && position < bufferStart + _readLength)
            {
                _readPosition = (int)(position - bufferStart);
                _position = position;
                return;
            }

            DropReadBuffer();
        }

        FlushWriteBuffer();
        _position = position;
    }

    private int ReadBuffered(Span<byte> destination)
    {
        FlushWriteBuffer();
        int total = 0;
        while (!destination.IsEmpty)
        {
            if (_readPosition == _readLength)
            {
                DropReadBuffer();
                if (destination.Length >= _bufferSize)
                {
                    // As large as the buffer: straight from the cache, with no copy in between.
                    int direct = _file.Read(_position, destination);
                    _position += direct;
                    return total + direct;
                }

                _readLength = _file.Read(_position, Buffer);
                if (_readLength == 0)
                {
                    break; // end of file
                }
            }

            total += CopyFromReadBuffer(destination, out int copied);
            destination = destination[copied..];
            if (_readLength < _bufferSize && _readPosition == _readLength)
            {
                break; // the fill ended at the end of the file
            }
        }

        return total;
    }

    private ValueTask<int> ReadBufferedAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_readPosition < _readLength || destination.IsEmpty)
        {
            // Served from the buffer, as far as it goes; a short read, as FileStream's, when it
            // ends before the destination does.
            return new ValueTask<int>(CopyFromReadBuffer(destination.Span, out _));
        }

        FlushWriteBuffer();
        DropReadBuffer();
        return destination.Length >= _bufferSize ? ReadDirectAsync(destination, cancellationToken) : FillAndCopyAsync(destination, cancellationToken);
    }

    private async ValueTask<int> ReadDirectAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        int read = await _file.ReadAsync(_position, destination, cancellationToken).ConfigureAwait(false);
        _position += read;
        return read;
    }

    private async ValueTask<int> FillAndCopyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        int filled = await _file.ReadAsync(_position, Buffer, cancellationToken).ConfigureAwait(false);
        _readLength = filled;
        return CopyFromReadBuffer(destination.Span, out _);
    }

    /// <summary>Copies from the read buffer at the position and moves past what it copied; returns the bytes copied.</summary>
    private int CopyFromReadBuffer(Span<byte> destination, out int copied)
    {
        copied = Math.Min(_readLength - _readPosition, destination.Length);
        _buffer.AsSpan(_readPosition, copied).CopyTo(destination);
        _readPosition += copied;
        _position += copied;
        return copied;
    }

    private void WriteBuffered(ReadOnlySpan<byte> source)
    {
        DropReadBuffer();
        if (source.IsEmpty)
        {
            return;
        }

        if (_writeLength + source.Length <= _bufferSize)
        {
            source.CopyTo(Buffer.AsSpan(_writeLength));
            _writeLength += source.Length;
            _position += source.Length;
            return;
        }

        FlushWriteBuffer();
        if (source.Length >= _bufferSize)
        {
            _file.Write(_position, source); // as large as the buffer: straight into the cache
            _position += source.Length;
            return;
        }

        source.CopyTo(Buffer);
        _writeLength = source.Length;
        _position += source.Length;
    }

    private ValueTask WriteBufferedAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken)
    {
        DropReadBuffer();
        if (_writeLength + source.Length <= _bufferSize)
        {
            WriteBuffered(source.Span); // a copy into the buffer
            return ValueTask.CompletedTask;
        }

        return WriteThroughAsync(source, cancellationToken);
    }

    private async ValueTask WriteThroughAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken)
    {
        await FlushWriteBufferAsync(cancellationToken).ConfigureAwait(false);
        if (source.Length >= _bufferSize)
        {
            long position = _position;
            _position += source.Length; // the bytes are in the cache once the call returns; a throttle pause may follow
            await _file.WriteAsync(position, source, cancellationToken).ConfigureAwait(false);
            return;
        }

        WriteBuffered(source.Span);
    }

    private async Task FlushBufferedAsync(CancellationToken cancellationToken)
    {
        await FlushWriteBufferAsync(cancellationToken).ConfigureAwait(false);
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the bytes waiting in the buffer into the cache (no durable flush).</summary>
    private void FlushWriteBuffer()
    {
        if (_writeLength > 0)
        {
            _file.Write(_position - _writeLength, _buffer.AsSpan(0, _writeLength));
            _writeLength = 0;
        }
    }

    /// <summary><see cref="FlushWriteBuffer"/>, with a throttle pause taken without a thread.</summary>
    private async ValueTask FlushWriteBufferAsync(CancellationToken cancellationToken)
    {
        if (_writeLength > 0)
        {
            int length = _writeLength;
            ValueTask written = _file.WriteAsync(_position - length, _buffer.AsMemory(0, length), cancellationToken);
            _writeLength = 0; // the bytes are in the cache; the buffer is not reused before the pause ends
            await written.ConfigureAwait(false);
        }
    }

    private void DropReadBuffer()
    {
        _readPosition = 0;
        _readLength = 0;
    }
}
