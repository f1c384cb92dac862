// BenchFile: one open file of an engine. Reads and writes are positional, whole buffers, and safe
// from several threads at once; Flush makes everything written so far durable (fsync or msync).
//
// Locking: as the engine's underlying handle; Dispose after every worker has stopped.

namespace Quire.Cli.Bench.Engines;

internal abstract class BenchFile : IDisposable
{
    /// <summary>Fills <paramref name="buffer"/> from the file at <paramref name="fileOffset"/>.</summary>
    public abstract void Read(long fileOffset, Span<byte> buffer);

    /// <summary>Writes <paramref name="buffer"/> at <paramref name="fileOffset"/>, inside the file's length.</summary>
    public abstract void Write(long fileOffset, ReadOnlySpan<byte> buffer);

    /// <summary>Makes what was written durable.</summary>
    public abstract void Flush();

    /// <summary>The fraction of the file's pages resident in the engine's own cache, where the engine can tell.</summary>
    public virtual double? ResidentFraction => null;

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);
}
