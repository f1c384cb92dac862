// CrashSimulatingBackingStore: an in-memory store with two layers, the volatile content every
// call sees and the durable image of the last successful flush, plus the list of writes and
// length changes between them, which a simulated power cut applies, drops or tears.
//
// Locking: _lock guards everything; calls are short and never wait.
// Invariants: applying _pending in order to _durable yields _volatile; bytes of either image past
// its length are zero; after SimulateCrash every call throws (the device lost power).

namespace Quire.Testing;

/// <summary>
/// A backing store in memory that models what survives a power cut, like SQLite's crash-test
/// layer: writes and length changes since the last successful <see cref="Flush()"/> are volatile,
/// and <see cref="SimulateCrash"/> applies, drops or tears each of them at 512-byte sector
/// granularity, seeded. With <see cref="FailedFlushBehavior.DropWrites"/> it also behaves like
/// Linux after a failed fsync (when wrapped by a <see cref="FaultInjectingBackingStore"/> that
/// fails the flush): the data written since the last good flush is lost, the size kept, so data
/// written to the store but not durable is really lost unless the cache writes it again.
/// </summary>
/// <remarks>All members are thread-safe.</remarks>
public sealed class CrashSimulatingBackingStore : IBackingStore
{
    /// <summary>The granularity at which a write can be torn: a disk sector.</summary>
    public const int SectorSize = 512;

    private const int EIO = 5;

    private readonly Lock _lock = new();
    private readonly List<PendingChange> _pending = []; // (_lock) changes since the last durable flush, in order
    private byte[] _durable; // (_lock) capacity; content is the first _durableLength bytes
    private long _durableLength; // (_lock)
    private byte[] _volatile; // (_lock) capacity; content is the first _volatileLength bytes
    private long _volatileLength; // (_lock)
    private long _flushCount; // (_lock)
    private bool _crashed; // (_lock)

    /// <summary>Creates a store whose durable (and current) content is <paramref name="durableContent"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public CrashSimulatingBackingStore(string name = "crash-simulated", ReadOnlySpan<byte> durableContent = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        _durable = durableContent.ToArray();
        _durableLength = durableContent.Length;
        _volatile = durableContent.ToArray();
        _volatileLength = durableContent.Length;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool CanWrite => true;

    /// <summary>What happens to the volatile writes when a durable flush fails. Default <see cref="FailedFlushBehavior.KeepWrites"/>.</summary>
    public FailedFlushBehavior FailedFlushBehavior { get; set; }

    /// <summary>The current content: what a read sees now.</summary>
    public byte[] Content
    {
        get
        {
            lock (_lock)
            {
                return _volatile.AsSpan(0, (int)_volatileLength).ToArray();
            }
        }
    }

    /// <summary>The content as of the last successful durable flush.</summary>
    public byte[] DurableContent
    {
        get
        {
            lock (_lock)
            {
                return _durable.AsSpan(0, (int)_durableLength).ToArray();
            }
        }
    }

    /// <summary>The number of writes and length changes not yet durable.</summary>
    public int PendingChangeCount
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>The number of successful durable flushes.</summary>
    public long FlushCount
    {
        get
        {
            lock (_lock)
            {
                return _flushCount;
            }
        }
    }

    /// <inheritdoc/>
    public long GetLength()
    {
        lock (_lock)
        {
            ThrowIfCrashedLocked();
            return _volatileLength;
        }
    }

    /// <inheritdoc/>
    public void SetLength(long byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(byteCount, Array.MaxLength);
        lock (_lock)
        {
            ThrowIfCrashedLocked();
            _pending.Add(new PendingChange(byteCount, null));
            Resize(ref _volatile, ref _volatileLength, byteCount);
        }
    }

    /// <inheritdoc/>
    public int Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfNegative(fileOffset);
        lock (_lock)
        {
            ThrowIfCrashedLocked();
            int total = 0;
            long position = fileOffset;
            foreach (Memory<byte> buffer in buffers)
            {
                int available = (int)Math.Clamp(_volatileLength - position, 0, buffer.Length);
                _volatile.AsSpan((int)Math.Min(position, _volatileLength), available).CopyTo(buffer.Span);
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

        try
        {
            return new ValueTask<int>(Read(buffers, fileOffset));
        }
        catch (IOException e)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    /// <inheritdoc/>
    public void Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfNegative(fileOffset);
        var data = new byte[buffers.Sum(b => (long)b.Length)];
        int position = 0;
        foreach (ReadOnlyMemory<byte> buffer in buffers)
        {
            buffer.Span.CopyTo(data.AsSpan(position));
            position += buffer.Length;
        }

        lock (_lock)
        {
            ThrowIfCrashedLocked();
            _pending.Add(new PendingChange(fileOffset, data));
            Apply(ref _volatile, ref _volatileLength, fileOffset, data);
        }
    }

    /// <inheritdoc/>
    public void Flush()
    {
        lock (_lock)
        {
            ThrowIfCrashedLocked();
            _durable = _volatile.AsSpan(0, (int)_volatileLength).ToArray();
            _durableLength = _volatileLength;
            _pending.Clear();
            _flushCount++;
        }
    }

    /// <summary>
    /// Forgets the data of every write since the last durable flush, as Linux drops the pages of a
    /// failed fsync: those bytes revert to the durable image (zeros where the file grew). Length
    /// changes, which live in the inode rather than in the dropped pages, are kept, still volatile.
    /// </summary>
    public void DiscardUnflushedWrites()
    {
        lock (_lock)
        {
            byte[] content = _durable.AsSpan(0, (int)_durableLength).ToArray();
            long length = _durableLength;
            var kept = new List<PendingChange>();
            foreach (PendingChange change in _pending)
            {
                long newLength = change.Data is null ? change.Offset : Math.Max(length, change.Offset + change.Data.Length);
                if (newLength != length)
                {
                    Resize(ref content, ref length, newLength);
                    kept.Add(new PendingChange(newLength, null));
                }
            }

            _volatile = content;
            _volatileLength = length;
            _pending.Clear();
            _pending.AddRange(kept);
        }
    }

    /// <summary>
    /// Cuts the power: each write and length change since the last durable flush is, by the
    /// generator seeded with <paramref name="seed"/>, applied, dropped, or (writes only) torn so that
    /// each 512-byte sector it touches lands or not on its own. From now on every call to this store
    /// throws <see cref="IOException"/> (EIO); open <see cref="CrashImage.OpenStore"/> to restart.
    /// </summary>
    /// <returns>What the disk holds after the crash, with counts of what happened to each change.</returns>
    public CrashImage SimulateCrash(ulong seed)
    {
        lock (_lock)
        {
            CrashImage image = CaptureCrashImage(seed);
            _crashed = true;
            return image;
        }
    }

    /// <summary>
    /// What the disk would hold if the power failed now, by the same seeded rules as
    /// <see cref="SimulateCrash"/>, without failing the store: a test can check many crash states at
    /// every point of a run.
    /// </summary>
    public CrashImage CaptureCrashImage(ulong seed)
    {
        var random = new SplitMix64(seed);
        lock (_lock)
        {
            byte[] image = _durable.AsSpan(0, (int)_durableLength).ToArray();
            long length = _durableLength;
            int applied = 0;
            int dropped = 0;
            int torn = 0;
            foreach (PendingChange change in _pending)
            {
                long choice = random.Next(3);
                if (choice == 1)
                {
                    dropped++;
                    continue;
                }

                if (change.Data is null)
                {
                    Resize(ref image, ref length, change.Offset);
                    applied++;
                }
                else if (choice == 0)
                {
                    Apply(ref image, ref length, change.Offset, change.Data);
                    applied++;
                }
                else
                {
                    Tear(ref image, ref length, change.Offset, change.Data, random);
                    torn++;
                }
            }

            return new CrashImage(Name, image.AsSpan(0, (int)length).ToArray(), applied, dropped, torn);
        }
    }

    /// <summary>Called by a wrapping <see cref="FaultInjectingBackingStore"/> when it failed a durable flush.</summary>
    internal void OnFlushFailed()
    {
        if (FailedFlushBehavior == FailedFlushBehavior.DropWrites)
        {
            DiscardUnflushedWrites();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private static void Tear(ref byte[] image, ref long length, long fileOffset, byte[] data, SplitMix64 random)
    {
        long end = fileOffset + data.Length;
        long sectorStart = fileOffset;
        while (sectorStart < end)
        {
            long sectorEnd = Math.Min(end, ((sectorStart / SectorSize) + 1) * SectorSize);
            if (random.Next(2) == 0)
            {
                Apply(ref image, ref length, sectorStart, data.AsSpan((int)(sectorStart - fileOffset), (int)(sectorEnd - sectorStart)));
            }

            sectorStart = sectorEnd;
        }
    }

    private static void Apply(ref byte[] image, ref long length, long fileOffset, ReadOnlySpan<byte> data)
    {
        long end = fileOffset + data.Length;
        if (end > Array.MaxLength)
        {
            throw new IOException($"A simulated store cannot grow to {end} bytes.", 27);
        }

        EnsureCapacity(ref image, end);
        data.CopyTo(image.AsSpan((int)fileOffset));
        length = Math.Max(length, end);
    }

    private static void Resize(ref byte[] image, ref long length, long newLength)
    {
        EnsureCapacity(ref image, newLength);
        if (newLength < length)
        {
            image.AsSpan((int)newLength, (int)(length - newLength)).Clear();
        }

        length = newLength;
    }

    private static void EnsureCapacity(ref byte[] image, long byteCount)
    {
        if (byteCount > image.Length)
        {
            Array.Resize(ref image, (int)Math.Min(Math.Max(byteCount, image.Length * 2L), Array.MaxLength));
        }
    }

    private void ThrowIfCrashedLocked()
    {
        if (_crashed)
        {
            throw new IOException($"The simulated store '{Name}' lost power.", EIO);
        }
    }

    /// <summary>A write (Data set) or a length change (Data null, Offset the new length).</summary>
    private readonly record struct PendingChange(long Offset, byte[]? Data);
}
