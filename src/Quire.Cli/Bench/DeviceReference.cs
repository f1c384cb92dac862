// DeviceReference: the device's own sequential write bandwidth, measured in the same run as the
// engines, so "vs device" figures have a sound denominator: what fio does with
// --direct=1 --bs=1M --iodepth=4 --rw=write --end_fsync=1: O_DIRECT 1 MiB writes from aligned
// buffers, four in flight (four threads taking the file's megabytes in turn: one sequential
// stream at queue depth four), then fdatasync, all timed.
//
// Two files, because they differ by a factor of the device: a PREALLOCATED file (fallocate, then
// fsync, untimed), where writes only move data, and a NEW file (O_TRUNC), where every write
// extends the file: ext4 serialises extending O_DIRECT writes under the inode lock and allocates
// blocks for each, so the writes in flight are serialised with metadata updates between (here a
// new file gave 0.6-0.95x the preallocated rate). A reference taken on a new file understates the
// device (and cached writers, which allocate in large extents at writeback, then seem to beat
// it); the preallocated one is the denominator.
//
// Locking: the calling thread; the writer threads it starts are joined before it returns.

using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using static System.FormattableString;

namespace Quire.Cli.Bench;

internal static class DeviceReference
{
    public const int WriteBytes = 1 << 20;
    public const int WritesInFlight = 4;

    // 16 MiB to 1 GiB: enough writes in flight for a steady rate; more only lengthens the run.
    private const long MinBytes = 16L << 20;
    private const long MaxBytes = 1L << 30;

    /// <summary>The bytes the reference writes for a workload whose main file is <paramref name="dataFileBytes"/>.</summary>
    public static long BytesFor(long dataFileBytes) => Math.Clamp(dataFileBytes / WriteBytes * WriteBytes, MinBytes, MaxBytes);

    /// <summary>Writes <paramref name="byteCount"/> bytes into a new or preallocated file in <paramref name="directory"/> and returns MiB/s, fdatasync included.</summary>
    /// <exception cref="IOException">O_DIRECT or fallocate is refused (tmpfs), or a write failed.</exception>
    public static double MeasureMiBPerSecond(string directory, long byteCount, bool preallocate, CancellationToken cancellationToken)
    {
        string path = Path.Combine(directory, "quire-bench-device.dat");
        try
        {
            SafeFileHandle handle;
            if (preallocate)
            {
                using (SafeFileHandle blank = NativeMethods.CreateDirect(path))
                {
                    NativeMethods.Preallocate(blank, byteCount);
                    RandomAccess.FlushToDisk(blank);
                }

                handle = NativeMethods.OpenDirect(path);
            }
            else
            {
                handle = NativeMethods.CreateDirect(path);
            }

            using (handle)
            {
                long writes = byteCount / WriteBytes;
                Exception? failure = null;
                long start = Stopwatch.GetTimestamp();
                Thread[] threads = [.. Enumerable.Range(0, WritesInFlight).Select(first => new Thread(() =>
                {
                    try
                    {
                        using var buffer = new NativeBuffer(WriteBytes);
                        new Random(first).NextBytes(buffer.Span);
                        for (long index = first; index < writes && !cancellationToken.IsCancellationRequested; index += WritesInFlight)
                        {
                            RandomAccess.Write(handle, buffer.Span, index * WriteBytes);
                        }
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        Interlocked.CompareExchange(ref failure, e, null);
                    }
                }) { IsBackground = true, Name = Invariant($"quire-bench-device-{first}") })];
                foreach (Thread thread in threads)
                {
                    thread.Start();
                }

                foreach (Thread thread in threads)
                {
                    thread.Join();
                }

                if (failure is not null)
                {
                    throw new IOException($"The device reference's O_DIRECT write failed: {failure.Message}", failure);
                }

                cancellationToken.ThrowIfCancellationRequested();
                NativeMethods.FlushData(handle);
                return byteCount / (double)(1 << 20) / Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
