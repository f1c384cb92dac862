// FaultyStore: a backing store for tests that records every call and fails or blocks the ones a
// test programs: the Nth write or flush, every write until healed, ENOSPC instead of EIO, and
// writes that block on a gate so a test can act while a write is in flight. Its durable image is
// the content as of the last successful flush; with DropOnFailedFlush it behaves like Linux after
// a failed fsync, forgetting the writes since the last good one.

namespace Quire.Tests.Infrastructure;

public sealed class FaultyStore : IBackingStore
{
    public const int EIO = 5;
    public const int ENOSPC = 28;

    private readonly Lock _lock = new();
    private readonly MemoryBackingStore _inner;
    private byte[] _durable = [];

    public FaultyStore(string name = "faulty") => _inner = new MemoryBackingStore(name);

    public string Name => _inner.Name;

    public bool CanWrite => true;

    /// <summary>Fail writes with this errno while set (0: writes succeed).</summary>
    public int FailWritesWith { get; set; }

    /// <summary>Fail only this many more writes, then heal (0: no limit while FailWritesWith is set).</summary>
    public int FailWritesRemaining { get; set; }

    /// <summary>Fail flushes with this errno while set.</summary>
    public int FailFlushesWith { get; set; }

    /// <summary>Forget the writes since the last good flush when a flush fails (Linux's behaviour).</summary>
    public bool DropOnFailedFlush { get; set; }

    /// <summary>When set, writes wait on it (a test opens it to let them finish).</summary>
    public ManualResetEventSlim? WriteGate { get; set; }

    /// <summary>When set, the next flush waits on it (and sets <see cref="FlushStarted"/>) before it fails or succeeds.</summary>
    public ManualResetEventSlim? FlushGate { get; set; }

    public ManualResetEventSlim FlushStarted { get; } = new();

    /// <summary>How many flushes fail with <see cref="FailFlushesWith"/>; by default all of them.</summary>
    public int FailFlushesRemaining { get; set; } = int.MaxValue;

    /// <summary>How long each write takes (a slow device).</summary>
    public TimeSpan WriteDelay { get; set; }

    /// <summary>Set by a write that is waiting on the gate.</summary>
    public ManualResetEventSlim WriteStarted { get; } = new();

    public List<(long Offset, long Length)> Writes { get; } = [];

    public int FlushCount { get; private set; }

    public int SetLengthCount { get; private set; }

    public int FailedWrites { get; private set; }

    public int FailedFlushes { get; private set; }

    public byte[] Content => _inner.ToArray();

    public byte[] Durable
    {
        get
        {
            lock (_lock)
            {
                return _durable.ToArray();
            }
        }
    }

    public long GetLength() => _inner.GetLength();

    public void SetLength(long byteCount)
    {
        SetLengthCount++;
        _inner.SetLength(byteCount);
    }

    public int Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset) => _inner.Read(buffers, fileOffset);

    public ValueTask<int> ReadAsync(IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffers, fileOffset, cancellationToken);

    public void Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset)
    {
        if (WriteGate is { } gate)
        {
            WriteStarted.Set();
            Assert.True(gate.Wait(TimeSpan.FromSeconds(30)), "A test left a write blocked on its gate.");
        }

        if (WriteDelay > TimeSpan.Zero)
        {
            Thread.Sleep(WriteDelay);
        }

        long length = buffers.Sum(b => (long)b.Length);
        lock (_lock)
        {
            if (FailWritesWith != 0)
            {
                FailedWrites++;
                int errno = FailWritesWith;
                if (FailWritesRemaining > 0 && --FailWritesRemaining == 0)
                {
                    FailWritesWith = 0;
                }

                throw new IOException($"Injected write failure at {fileOffset}.", errno);
            }

            Writes.Add((fileOffset, length));
        }

        _inner.Write(buffers, fileOffset);
    }

    public void Flush()
    {
        bool fail;
        ManualResetEventSlim? gate;
        lock (_lock)
        {
            // A failure is decided, and the data dropped, on arrival (the OS drops the pages when
            // their writeback fails, before the failing fsync returns).
            fail = FailFlushesWith != 0 && FailFlushesRemaining-- > 0;
            if (fail && DropOnFailedFlush)
            {
                byte[] durable = _durable;
                _inner.SetLength(0);
                _inner.Write([durable], 0);
            }

            gate = FlushGate;
            FlushGate = null; // only the first flush waits
        }

        if (gate is not null)
        {
            FlushStarted.Set();
            Assert.True(gate.Wait(TimeSpan.FromSeconds(30)), "A test left a flush blocked on its gate.");
        }

        lock (_lock)
        {
            if (fail)
            {
                FailedFlushes++;
                throw new IOException("Injected flush failure.", FailFlushesWith);
            }

            FlushCount++;
            _durable = _inner.ToArray();
        }
    }

    public void Dispose()
    {
    }
}
