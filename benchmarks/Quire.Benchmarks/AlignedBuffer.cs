// AlignedBuffer: native memory aligned to 4096 bytes (NativeMemory.AlignedAlloc), the buffer an
// O_DIRECT transfer needs, exposed as a span.
//
// Locking: none; one owner uses it at a time.
// Invariants: Length bytes at a 4096-byte aligned address from construction until Dispose.

using System.Runtime.InteropServices;

namespace Quire.Benchmarks;

internal sealed unsafe class AlignedBuffer : IDisposable
{
    /// <summary>4096 bytes: the page size, and at least the 512-byte alignment O_DIRECT asks of the disks here.</summary>
    public const int Alignment = 4096;

    private byte* _pointer; // null after Dispose

    public AlignedBuffer(int byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(byteCount);
        _pointer = (byte*)NativeMemory.AlignedAlloc((nuint)byteCount, Alignment);
        new Span<byte>(_pointer, byteCount).Clear();
        Length = byteCount;
    }

    public int Length { get; }

    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);
            return new Span<byte>(_pointer, Length);
        }
    }

    public void Dispose()
    {
        if (_pointer != null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
        }
    }
}
