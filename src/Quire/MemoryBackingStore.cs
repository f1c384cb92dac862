// MemoryBackingStore: a backing store in a growable byte array, for tests, simulations and data
// that need not outlive the process; it counts the calls it receives.
//
// Locking: _lock (L) guards the bytes, the length and the counts; every call takes it once.

using Quire.Internal;

namespace Quire;

/// <summary>
/// A backing store in memory: for tests, simulations and caches of data that need not outlive the
/// process. Thread-safe; counts the calls it receives so that tests can check how the cache
/// clusters its I/O. Its content stays readable through <see cref="ToArray"/> after it is disposed.
/// </summary>
public sealed class MemoryBackingStore : IBackingStore
{
    private readonly Lock _lock = new();
    private byte[] _bytes; // (L) capacity; the content is the first _length bytes
    private long _length; // (L)
    private bool _disposed; // (L)
    private long _readCount; // (L)
    private long _writeCount; // (L)
    private long _flushCount; // (L)

    /// <summary>Creates an empty store.</summary>
    /// <param name="name">A name for messages.</param>
    /// <param name="canWrite">Whether the store accepts writes.</param>
    public MemoryBackingStore(string name = "memory", bool canWrite = true)
        : this(name, [], canWrite)
    {
    }

    /// <summary>Creates a store holding a copy of <paramref name="content"/>.</summary>
    public MemoryBackingStore(string name, ReadOnlySpan<byte> content, bool canWrite = true)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        CanWrite = canWrite;
        _bytes = content.ToArray();
        _length = content.Length;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool CanWrite { get; }

    /// <summary>The number of read calls received.</summary>
    public long ReadCount
    {
        get
        {
            using (LockOrder.Enter(_lock, LockRank.Leaf))
            {
                return _readCount;
            }
        }
    }

    /// <summary>The number of write calls received.</summary>
    public long WriteCount
    {
        get
        {
            using (LockOrder.Enter(_lock, LockRank.Leaf))
            {
                return _writeCount;
            }
        }
    }

    /// <summary>The number of flush calls received.</summary>
    public long FlushCount
    {
        get
        {
            using (LockOrder.Enter(_lock, LockRank.Leaf))
            {
                return _flushCount;
            }
        }
    }

    /// <summary>A copy of the store's content.</summary>
    public byte[] ToArray()
    {
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            return _bytes.AsSpan(0, (int)_length).ToArray();
        }
    }

    /// <inheritdoc/>
    public long GetLength()
    {
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            ThrowIfDisposedLocked();
            return _length;
        }
    }

    /// <inheritdoc/>
    public void SetLength(long byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(byteCount, Array.MaxLength);
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            ThrowIfDisposedLocked();
            ThrowIfReadOnly();
            EnsureCapacityLocked(byteCount);
            if (byteCount < _length)
            {
                _bytes.AsSpan((int)byteCount, (int)(_length - byteCount)).Clear();
            }

            _length = byteCount;
        }
    }

    /// <inheritdoc/>
    public int Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfNegative(fileOffset);
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            ThrowIfDisposedLocked();
            _readCount++;
            int total = 0;
            long position = fileOffset;
            foreach (Memory<byte> buffer in buffers)
            {
                int available = (int)Math.Clamp(_length - position, 0, buffer.Length);
                _bytes.AsSpan((int)Math.Min(position, _length), available).CopyTo(buffer.Span);
                total += available;
                position += buffer.Length;
                if (available < buffer.Length)
                {
                    break;
                }
            }

            return total;
        }
    }

    /// <inheritdoc/>
    public ValueTask<int> ReadAsync(IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        return new ValueTask<int>(Read(buffers, fileOffset));
    }

    /// <inheritdoc/>
    public void Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfNegative(fileOffset);
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            ThrowIfDisposedLocked();
            ThrowIfReadOnly();
            _writeCount++;
            long total = 0;
            foreach (ReadOnlyMemory<byte> buffer in buffers)
            {
                total += buffer.Length;
            }

            long end = fileOffset + total;
            if (end > Array.MaxLength)
            {
                throw new IOException($"The memory store '{Name}' cannot grow to {end} bytes.", 27);
            }

            EnsureCapacityLocked(end);
            long position = fileOffset;
            foreach (ReadOnlyMemory<byte> buffer in buffers)
            {
                buffer.Span.CopyTo(_bytes.AsSpan((int)position));
                position += buffer.Length;
            }

            _length = Math.Max(_length, end);
        }
    }

    /// <inheritdoc/>
    public void Flush()
    {
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            ThrowIfDisposedLocked();
            ThrowIfReadOnly();
            _flushCount++;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        using (LockOrder.Enter(_lock, LockRank.Leaf))
        {
            _disposed = true;
        }
    }

    private void EnsureCapacityLocked(long byteCount)
    {
        if (byteCount > _bytes.Length)
        {
            long capacity = Math.Min(Math.Max(byteCount, (long)_bytes.Length * 2), Array.MaxLength);
            Array.Resize(ref _bytes, (int)capacity);
        }
    }

    private void ThrowIfDisposedLocked() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void ThrowIfReadOnly()
    {
        if (!CanWrite)
        {
            throw new NotSupportedException($"The memory store '{Name}' is read-only.");
        }
    }
}
