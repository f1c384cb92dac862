// MmapEngine: the file mapped into memory (MemoryMappedFile), read and written by copying spans
// to and from the view's pointer (the fast way: the accessor's ReadArray is ~5x slower); a flush
// is the view's Flush (msync) followed by an fsync of the file.
//
// Locking: the view is shared by the workers; copies to disjoint or overlapping ranges are as
// safe as memory is (the bench does not check content). Unsafe code: the pointer to the view,
// acquired once per file and released on Dispose.

using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace Quire.Cli.Bench.Engines;

internal sealed class MmapEngine : BenchEngine
{
    public const string EngineName = "mmap";

    public override string Name => EngineName;

    public override string DeviceBytesSource => "/proc/self/io";

    public override string WriteIosSource => "n/a: page faults and msync do the I/O";

    public override string DirtySource => "/proc/meminfo Dirty + Writeback (system-wide)";

    public override BenchFile Open(string path, long length) => new MmapFile(path, length);

    public override EngineSnapshot Snapshot()
    {
        (long read, long written) = ProcStats.ReadProcessIO();
        return new EngineSnapshot
        {
            DeviceReadBytes = read,
            DeviceWrittenBytes = written,
            DirtyBytes = ProcStats.HasMemInfo ? ProcStats.ReadSystemDirtyBytes() : null,
        };
    }

    private sealed unsafe class MmapFile : BenchFile
    {
        private readonly SafeFileHandle _handle;
        private readonly MemoryMappedFile _map;
        private readonly MemoryMappedViewAccessor _view;
        private readonly long _length;
        private byte* _pointer;

        public MmapFile(string path, long length)
        {
            if (length <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(length), length, "An empty file cannot be mapped.");
            }

            _length = length;
            _handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            _map = MemoryMappedFile.CreateFromFile(_handle, mapName: null, length, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
            _view = _map.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite);
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _pointer);
            _pointer += _view.PointerOffset;
        }

        public override void Read(long fileOffset, Span<byte> buffer) => View(fileOffset, buffer.Length).CopyTo(buffer);

        public override void Write(long fileOffset, ReadOnlySpan<byte> buffer) => buffer.CopyTo(View(fileOffset, buffer.Length));

        public override void Flush()
        {
            _view.Flush();
            RandomAccess.FlushToDisk(_handle);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _pointer is not null)
            {
                _pointer = null;
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _view.Dispose();
                _map.Dispose();
                _handle.Dispose();
            }
        }

        private Span<byte> View(long fileOffset, int byteCount)
        {
            if (fileOffset < 0 || fileOffset > _length - byteCount)
            {
                throw new ArgumentOutOfRangeException(nameof(fileOffset), fileOffset, $"The range of {byteCount} bytes is outside the mapped {_length} bytes.");
            }

            return new Span<byte>(_pointer + fileOffset, byteCount);
        }
    }
}
