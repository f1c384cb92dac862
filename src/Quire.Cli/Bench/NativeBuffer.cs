// NativeBuffer: a page-aligned block of native memory, the I/O buffer of one bench worker. O_DIRECT
// needs aligned buffers, and every engine gets the same kind, so none is favoured by its buffers.
// The one other place with unsafe code in the tool is MmapEngine (pointer access to the view).
//
// Locking: none; one owner thread. Dispose frees the memory; idempotent.

using System.Runtime.InteropServices;

namespace Quire.Cli.Bench;

internal sealed unsafe class NativeBuffer : IDisposable
{
    // 4096: the alignment O_DIRECT needs on every file system here (STATX_DIOALIGN reports 512).
    public const int Alignment = 4096;

    private void* _memory; // owner thread

    public NativeBuffer(int byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(byteCount);
        if (byteCount % Alignment != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(byteCount), byteCount, $"The size must be a multiple of {Alignment}.");
        }

        _memory = NativeMemory.AlignedAlloc((nuint)byteCount, Alignment);
        ByteCount = byteCount;
        Span.Clear();
    }

    public int ByteCount { get; }

    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_memory is null, this);
            return new Span<byte>(_memory, ByteCount);
        }
    }

    public void Dispose()
    {
        if (_memory is not null)
        {
            NativeMemory.AlignedFree(_memory);
            _memory = null;
        }
    }
}
