// ObservedStore: passes every call to a backing store and then calls an observer, so a test can
// stop the world after each store call (a crash point) and look at what the disk holds.

namespace Quire.Tests.Reliability;

internal sealed class ObservedStore(IBackingStore inner, Action afterCall) : IBackingStore
{
    public string Name => inner.Name;

    public bool CanWrite => inner.CanWrite;

    public long GetLength() => inner.GetLength();

    public void SetLength(long byteCount)
    {
        try
        {
            inner.SetLength(byteCount);
        }
        finally
        {
            afterCall();
        }
    }

    public int Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset)
    {
        try
        {
            return inner.Read(buffers, fileOffset);
        }
        finally
        {
            afterCall();
        }
    }

    public async ValueTask<int> ReadAsync(IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.ReadAsync(buffers, fileOffset, cancellationToken);
        }
        finally
        {
            afterCall();
        }
    }

    public void Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset)
    {
        try
        {
            inner.Write(buffers, fileOffset);
        }
        finally
        {
            afterCall();
        }
    }

    public void Flush()
    {
        try
        {
            inner.Flush();
        }
        finally
        {
            afterCall();
        }
    }

    public void Dispose() => inner.Dispose();
}
