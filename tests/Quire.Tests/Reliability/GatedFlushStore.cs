// GatedFlushStore: a power-cut simulating store whose next durable flush, once armed, stops until
// the test opens the gate and then fails as Linux's fsync does, dropping the unflushed writes:
// it holds pages in the written-but-not-durable state for as long as a test needs.

using Quire.Testing;

namespace Quire.Tests.Reliability;

internal sealed class GatedFlushStore(CrashSimulatingBackingStore disk) : IBackingStore
{
    private const int EIO = 5;
    private volatile bool _armed;

    public ManualResetEventSlim FlushStarted { get; } = new();

    public ManualResetEventSlim Gate { get; } = new();

    public string Name => disk.Name;

    public bool CanWrite => true;

    /// <summary>Makes the next flush wait for the gate and then fail, dropping what it should have made durable.</summary>
    public void ArmFailingFlush() => _armed = true;

    public long GetLength() => disk.GetLength();

    public void SetLength(long byteCount) => disk.SetLength(byteCount);

    public int Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset) => disk.Read(buffers, fileOffset);

    public ValueTask<int> ReadAsync(IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken) =>
        disk.ReadAsync(buffers, fileOffset, cancellationToken);

    public void Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset) => disk.Write(buffers, fileOffset);

    public void Flush()
    {
        if (_armed)
        {
            _armed = false;
            FlushStarted.Set();
            if (!Gate.Wait(TimeSpan.FromSeconds(20)))
            {
                throw new IOException("The test never opened the flush gate.", EIO);
            }

            disk.DiscardUnflushedWrites();
            throw new IOException("Injected fsync failure after the gate.", EIO);
        }

        disk.Flush();
    }

    public void Dispose()
    {
        Gate.Set();
    }
}
