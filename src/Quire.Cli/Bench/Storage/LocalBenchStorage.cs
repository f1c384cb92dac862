// LocalBenchStorage: the bench's files in a local directory, made by the bench (and deleted
// afterwards) unless --directory names one.
//
// Locking: the runner's thread only.

using Microsoft.Win32.SafeHandles;
using Quire.Cli.Bench.Engines;
using static System.FormattableString;

namespace Quire.Cli.Bench.Storage;

internal sealed class LocalBenchStorage : BenchStorage
{
    private readonly bool _ownsDirectory; // (I)

    /// <summary>
    /// /var/tmp: where a memory-budget run makes its directory: on a disk on most systems, while
    /// /tmp may be tmpfs, whose pages are not a device's page cache.
    /// </summary>
    public const string DiskTemporaryDirectory = "/var/tmp";

    /// <summary>Files in <paramref name="directory"/>, or in a new directory named after <paramref name="stem"/> under <paramref name="parentDirectory"/> (default: the temporary directory) when null.</summary>
    public LocalBenchStorage(string? directory, string stem, string? parentDirectory = null)
    {
        _ownsDirectory = directory is null;
        Directory = directory ?? Path.Combine(parentDirectory ?? Path.GetTempPath(), stem + "-" + Guid.NewGuid().ToString("N"));
    }

    public string Directory { get; }

    public override string DataName => Path.Combine(Directory, "quire-bench-data.dat");

    public override string SecondName => Path.Combine(Directory, "quire-bench-second.dat");

    public override string BaselineEngine => OsEngine.EngineName;

    public override string Describe() =>
        _ownsDirectory ? $"Directory: {Directory} (new, deleted afterwards)" : $"Directory: {Directory} (the bench's files are deleted afterwards)";

    public override string DescribeColdStart(ColdCacheMethod method) => ColdCache.Describe(method);

    public override void Prepare(long byteCount)
    {
        if (_ownsDirectory)
        {
            System.IO.Directory.CreateDirectory(Directory);
        }

        long freeBytes = new DriveInfo(Directory).AvailableFreeSpace;
        if (freeBytes < byteCount)
        {
            throw new IOException(Invariant(
                $"The directory '{Directory}' has {freeBytes >> 20} MiB free, but the bench needs {byteCount >> 20} MiB; use --directory or a smaller --file-size."));
        }
    }

    public override void CreateBlank(string name, long length)
    {
        File.Delete(name);
        using SafeFileHandle handle = File.OpenHandle(name, FileMode.CreateNew, FileAccess.ReadWrite);
        RandomAccess.SetLength(handle, length);
    }

    public override void DropCaches(IEnumerable<string> names, ColdCacheMethod method) => ColdCache.Drop(names, method);

    public override void Delete(string name) => File.Delete(name);

    public override void Cleanup()
    {
        if (_ownsDirectory && System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    protected override BenchStorageWriter OpenWriter(string name) =>
        new FileWriter(File.OpenHandle(name, FileMode.Open, FileAccess.ReadWrite));

    private sealed class FileWriter(SafeFileHandle handle) : BenchStorageWriter
    {
        public override void Write(long fileOffset, ReadOnlySpan<byte> buffer) => RandomAccess.Write(handle, buffer, fileOffset);

        public override void Flush() => RandomAccess.FlushToDisk(handle);

        public override void Dispose() => handle.Dispose();
    }
}
