// BenchEngine: one way of doing file I/O that the bench compares (Quire, the OS page cache, mmap,
// O_DIRECT), and how it reports what reached the device. An engine is created for one workload
// run and disposed after it, so no state carries from one run into the next.
//
// Locking: Open is called by the runner's thread before the workers start; files are then used by
// several workers at once (each engine's file type is safe for concurrent positional I/O);
// Snapshot may be called at any time from the sampling thread.

using Microsoft.Win32.SafeHandles;

namespace Quire.Cli.Bench.Engines;

internal abstract class BenchEngine : IDisposable
{
    /// <summary>The engine's name on the command line and in the tables.</summary>
    public abstract string Name { get; }

    /// <summary>Where the device byte counts come from, in a few words.</summary>
    public abstract string DeviceBytesSource { get; }

    /// <summary>Where the write I/O count comes from, in a few words.</summary>
    public abstract string WriteIosSource { get; }

    /// <summary>Where the dirty bytes come from, in a few words.</summary>
    public abstract string DirtySource { get; }

    /// <summary>Opens an existing file of exactly <paramref name="length"/> bytes for reading and writing.</summary>
    public abstract BenchFile Open(string path, long length);

    /// <summary>The engine's counters now; the runner subtracts a snapshot taken at the start.</summary>
    public abstract EngineSnapshot Snapshot();

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Counts the calls and bytes an engine issues, for the figures the OS does not give per process.</summary>
    protected sealed class IssuedCounter
    {
        private long _readBytes; // (A)
        private long _writeBytes; // (A)
        private long _writeCalls; // (A)

        public long ReadBytes => Volatile.Read(ref _readBytes);

        public long WriteBytes => Volatile.Read(ref _writeBytes);

        public long WriteCalls => Volatile.Read(ref _writeCalls);

        public void AddRead(int byteCount) => Interlocked.Add(ref _readBytes, byteCount);

        public void AddWrite(int byteCount)
        {
            Interlocked.Add(ref _writeBytes, byteCount);
            Interlocked.Increment(ref _writeCalls);
        }
    }

    /// <summary>A file behind a handle (buffered or O_DIRECT), read and written with RandomAccess, flushed with fsync.</summary>
    protected sealed class HandleFile(SafeFileHandle handle, IssuedCounter issued) : BenchFile
    {
        public override void Read(long fileOffset, Span<byte> buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                int read = RandomAccess.Read(handle, buffer[done..], fileOffset + done);
                if (read == 0)
                {
                    throw new EndOfStreamException($"The file ended at {fileOffset + done} bytes, inside the range the bench reads.");
                }

                done += read;
            }

            issued.AddRead(done);
        }

        public override void Write(long fileOffset, ReadOnlySpan<byte> buffer)
        {
            RandomAccess.Write(handle, buffer, fileOffset);
            issued.AddWrite(buffer.Length);
        }

        public override void Flush() => RandomAccess.FlushToDisk(handle);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                handle.Dispose();
            }
        }
    }
}
