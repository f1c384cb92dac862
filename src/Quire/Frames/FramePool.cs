// FramePool: the frame memory and the per-frame metadata, allocated once when the cache starts.
//
// This is the one file that uses unsafe code: it owns the native memory the frames live in.
// Frame memory is native, aligned to 4096 bytes for O_DIRECT, and split into slabs of at most
// 1 GiB so that a frame's Memory<byte> can be addressed with int offsets. The metadata is a
// pinned managed array aligned to 64 bytes, so a frame's state word never shares a cache line
// with another frame's, and so that a thread touching metadata after Dispose touches managed
// memory, never freed native memory.
//
// Locking: the arrays are immutable after construction; each frame's bytes are guarded by the
// holds in its PageState word (a thread reads or writes a frame's bytes only while it holds the
// frame); its metadata fields by the legend in FrameMetadata.
// Invariants: FrameCount * PageSize bytes of frame memory are allocated until Dispose, which
// frees them only when no frame is held.

using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Quire.Internal;

namespace Quire.Frames;

internal sealed unsafe class FramePool : IDisposable
{
    /// <summary>Frames are aligned to this many bytes: the largest O_DIRECT alignment Linux asks for.</summary>
    public const int FrameAlignment = 4096;

    private const int MetadataAlignment = 64;
    private const nuint SlabAlignment = 2 << 20; // 2 MiB: lets the OS back slabs with huge pages, sparing TLB misses on hits
    private const long MaxSlabBytes = 1L << 30; // 1 GiB: a slab's offsets must fit in an int.

    private readonly byte[] _metadataBytes; // (I) pinned; the aligned part holds FrameMetadata[FrameCount]
    private readonly int _metadataOffset; // (I) offset of the first 64-byte aligned element
    private readonly byte*[] _slabs; // (I) native slabs, null after Dispose
    private readonly SlabMemoryManager[] _slabManagers; // (I)
    private readonly int _framesPerSlab; // (I)
    private int _disposed; // (A)

    public FramePool(int frameCount, int pageSize)
    {
        Debug.Assert(frameCount > 0, "A pool has frames.");
        Debug.Assert(BitOperations.IsPow2(pageSize), "Page sizes are powers of two.");
        FrameCount = frameCount;
        PageSize = pageSize;
        PageShift = BitOperations.Log2((uint)pageSize);

        _metadataBytes = GC.AllocateArray<byte>((frameCount * Unsafe.SizeOf<FrameMetadata>()) + MetadataAlignment, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_metadataBytes));
        _metadataOffset = (int)((MetadataAlignment - (address % MetadataAlignment)) % MetadataAlignment);

        _framesPerSlab = (int)Math.Min(frameCount, MaxSlabBytes / pageSize);
        int slabCount = (frameCount + _framesPerSlab - 1) / _framesPerSlab;
        _slabs = new byte*[slabCount];
        _slabManagers = new SlabMemoryManager[slabCount];
        try
        {
            for (int slab = 0; slab < slabCount; slab++)
            {
                int framesInSlab = Math.Min(_framesPerSlab, frameCount - (slab * _framesPerSlab));
                nuint byteCount = (nuint)framesInSlab * (nuint)pageSize;
                _slabs[slab] = (byte*)NativeMemory.AlignedAlloc(byteCount, byteCount >= SlabAlignment ? SlabAlignment : FrameAlignment);
                _slabManagers[slab] = new SlabMemoryManager(_slabs[slab], checked((int)byteCount));
            }
        }
        catch
        {
            FreeSlabs();
            throw;
        }

        for (int frame = 0; frame < frameCount; frame++)
        {
            ref FrameMetadata metadata = ref Metadata(frame);
            metadata.FileId = FrameMetadata.FreeFileId;
            metadata.QueuePrevious = -1;
            metadata.QueueNext = -1;
        }
    }

    public int FrameCount { get; }

    public int PageSize { get; }

    public int PageShift { get; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The metadata of <paramref name="frame"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref FrameMetadata Metadata(int frame)
    {
        Debug.Assert((uint)frame < (uint)FrameCount, "Frame numbers lie within the pool.");
        ref byte first = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_metadataBytes), _metadataOffset);
        return ref Unsafe.Add(ref Unsafe.As<byte, FrameMetadata>(ref first), frame);
    }

    /// <summary>
    /// Writes to every OS page of the slabs so the OS backs them with memory now; only while no
    /// frame is in use, since it overwrites a byte of each.
    /// </summary>
    public void TouchUnused()
    {
        for (int slab = 0; slab < _slabs.Length; slab++)
        {
            nuint byteCount = (nuint)Math.Min(_framesPerSlab, FrameCount - (slab * _framesPerSlab)) * (nuint)PageSize;
            for (nuint offset = 0; offset < byteCount; offset += (nuint)Environment.SystemPageSize)
            {
                _slabs[slab][offset] = 0;
            }
        }
    }

    /// <summary>The address and length of each slab of frame memory, for advice to the OS (huge pages).</summary>
    public (nint Address, nuint ByteCount)[] Slabs()
    {
        var slabs = new (nint Address, nuint ByteCount)[_slabs.Length];
        for (int slab = 0; slab < _slabs.Length; slab++)
        {
            int framesInSlab = Math.Min(_framesPerSlab, FrameCount - (slab * _framesPerSlab));
            slabs[slab] = ((nint)_slabs[slab], (nuint)framesInSlab * (nuint)PageSize);
        }

        return slabs;
    }

    /// <summary>The bytes of <paramref name="frame"/>. The caller holds the frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Bytes(int frame)
    {
        Debug.Assert((uint)frame < (uint)FrameCount, "Frame numbers lie within the pool.");
        (int slab, int index) = Math.DivRem(frame, _framesPerSlab);
        return new Span<byte>(_slabs[slab] + ((nint)index * PageSize), PageSize);
    }

    /// <summary>
    /// The bytes of <paramref name="count"/> frames from <paramref name="frame"/> on as one span, if
    /// they are consecutive in one slab (adjacent in memory); an empty span otherwise. The caller holds them.
    /// </summary>
    public Span<byte> BytesOfRun(int frame, int count)
    {
        Debug.Assert(count > 0 && (uint)(frame + count - 1) < (uint)FrameCount, "A run lies within the pool.");
        (int slab, int index) = Math.DivRem(frame, _framesPerSlab);
        return index + count <= _framesPerSlab && (long)count * PageSize <= int.MaxValue
            ? new Span<byte>(_slabs[slab] + ((nint)index * PageSize), count * PageSize)
            : [];
    }

    /// <summary>The address of a frame's first byte, for I/O the kernel does straight from the frame (io_uring); valid while the pool is.</summary>
    public nint Address(int frame)
    {
        (int slab, int index) = Math.DivRem(frame, _framesPerSlab);
        return (nint)(_slabs[slab] + ((nint)index * PageSize));
    }

    /// <summary>The bytes of <paramref name="frame"/> as Memory, for vectored and asynchronous I/O.</summary>
    public Memory<byte> Memory(int frame)
    {
        (int slab, int index) = Math.DivRem(frame, _framesPerSlab);
        return _slabManagers[slab].Memory.Slice(index * PageSize, PageSize);
    }

    /// <summary>
    /// Marks the pool disposed, before the caller scans for held frames: every path that touches
    /// frame memory takes a hold and then checks <see cref="IsDisposed"/>, so either it sees the
    /// mark and lets go, or the scan sees its hold (both sides use full fences).
    /// </summary>
    public void BeginDispose() => Interlocked.Exchange(ref _disposed, 1);

    /// <summary>
    /// Frees the frame memory. The caller called <see cref="BeginDispose"/> and then made sure no
    /// frame is held; a pool whose frames are still held is left allocated rather than freed
    /// under a reader.
    /// </summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _disposed, 1);
        FreeSlabs();
    }

    private void FreeSlabs()
    {
        using (LockOrder.Enter(_slabs, LockRank.Leaf))
        {
            FreeSlabsLocked();
        }
    }

    private void FreeSlabsLocked()
    {
        for (int slab = 0; slab < _slabs.Length; slab++)
        {
            if (_slabs[slab] != null)
            {
                NativeMemory.AlignedFree(_slabs[slab]);
                _slabs[slab] = null;
            }
        }
    }

    /// <summary>Exposes one native slab as Memory&lt;byte&gt; without copying.</summary>
    private sealed class SlabMemoryManager(byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
