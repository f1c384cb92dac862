// BenchStorage: where the bench's files live: local files in a directory (LocalBenchStorage) or
// RBD images in a Ceph pool (RbdBenchStorage). The runner names its two files by the storage's
// DataName and SecondName and leaves creating, filling, emptying from caches and deleting them to
// the storage, so every engine of one store sees the same data.
//
// Locking: the runner's thread only.

namespace Quire.Cli.Bench.Storage;

internal abstract class BenchStorage : IDisposable
{
    // 1 MiB: the prefill's write size; the prefill is not timed, only its speed matters.
    protected const int PrefillChunkBytes = 1 << 20;

    /// <summary>The name of the main file (a path, or an image name).</summary>
    public abstract string DataName { get; }

    /// <summary>The name of the second file (the hot set of scan-resistance, the log of fsync-latency).</summary>
    public abstract string SecondName { get; }

    /// <summary>The engine every ratio is taken over.</summary>
    public abstract string BaselineEngine { get; }

    /// <summary>One line for the run's header: where the files are and what happens to them.</summary>
    public abstract string Describe();

    /// <summary>How cold runs empty caches outside the engines, in a few words.</summary>
    public abstract string DescribeColdStart(ColdCacheMethod method);

    /// <summary>Creates the storage's place (a directory) and checks it has room for <paramref name="byteCount"/> bytes.</summary>
    /// <exception cref="IOException">No room, or the place could not be made.</exception>
    public abstract void Prepare(long byteCount);

    /// <summary>Writes <paramref name="name"/> anew with <paramref name="length"/> bytes of seeded data, made durable. Untimed.</summary>
    public void Prefill(string name, long length, int seed, CancellationToken cancellationToken)
    {
        byte[] chunk = new byte[PrefillChunkBytes];
        new Random(seed).NextBytes(chunk);
        CreateBlank(name, length);
        using BenchStorageWriter writer = OpenWriter(name);
        for (long fileOffset = 0; fileOffset < length; fileOffset += chunk.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            BitConverter.TryWriteBytes(chunk, fileOffset);
            writer.Write(fileOffset, chunk.AsSpan(0, (int)Math.Min(chunk.Length, length - fileOffset)));
        }

        writer.Flush();
    }

    /// <summary>Creates <paramref name="name"/> anew, sparse (or thin), of <paramref name="length"/> bytes of zeros.</summary>
    public abstract void CreateBlank(string name, long length);

    /// <summary>Empties caches outside the engines of <paramref name="names"/>, for a cold start.</summary>
    public abstract void DropCaches(IEnumerable<string> names, ColdCacheMethod method);

    /// <summary>Deletes <paramref name="name"/> if it exists.</summary>
    public abstract void Delete(string name);

    /// <summary>Deletes the storage's place if the storage made it. Reports nothing; throws what it cannot do.</summary>
    public abstract void Cleanup();

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>A plain writer for the prefill.</summary>
    protected abstract BenchStorageWriter OpenWriter(string name);

    /// <summary>Writes and flushes one file of the storage, for the prefill.</summary>
    protected abstract class BenchStorageWriter : IDisposable
    {
        public abstract void Write(long fileOffset, ReadOnlySpan<byte> buffer);

        public abstract void Flush();

        public abstract void Dispose();
    }
}
