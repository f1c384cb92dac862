// NativeBuffer: FASTER's native I/O buffers (a pointer and a length) seen as the spans and Memory
// that CachedFile reads into and writes from. This is the package's one file with unsafe code.
//
// Locking: immutable. FASTER keeps a buffer alive and unmoved until the I/O's callback has run, so
// a span or Memory over it is valid until then, and only until then.

using System.Buffers;

namespace Quire.Faster;

/// <summary>A <see cref="MemoryManager{T}"/> over native memory the caller keeps alive; used only for asynchronous I/O, where a span cannot be carried across an await.</summary>
internal sealed unsafe class NativeBuffer : MemoryManager<byte>
{
    private readonly byte* _pointer; // (I)
    private readonly int _byteCount; // (I)

    public NativeBuffer(IntPtr pointer, int byteCount)
    {
        _pointer = (byte*)pointer;
        _byteCount = byteCount;
    }

    /// <summary>A span over <paramref name="byteCount"/> bytes at <paramref name="pointer"/>: what a hit is copied into, without allocating.</summary>
    public static Span<byte> AsSpan(IntPtr pointer, int byteCount) => new((void*)pointer, byteCount);

    public override Span<byte> GetSpan() => new(_pointer, _byteCount);

    // The memory is native and never moves: pinning only hands out the address.
    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    // The memory belongs to FASTER, which frees it; there is nothing to release here.
    protected override void Dispose(bool disposing)
    {
    }
}
