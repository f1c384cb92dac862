// Proves the frame pool hands out page-sized frames aligned to 4096 bytes (for O_DIRECT), that
// each frame's bytes and metadata are its own, that Memory and Bytes are two views of the same
// bytes, and that a new pool's metadata says every frame is free. Addresses are read with a
// pointer cast in this test only.

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Quire.Frames;

namespace Quire.Tests.Frames;

public sealed class FramePoolTests
{
    [Theory]
    [InlineData(8, 4096)]
    [InlineData(9, 8192)]
    [InlineData(3, 65536)]
    public void FramesAreAlignedTo4096AndPageSized(int frameCount, int pageSize)
    {
        using var pool = new FramePool(frameCount, pageSize);

        Assert.Equal(frameCount, pool.FrameCount);
        Assert.Equal(pageSize, pool.PageSize);
        Assert.Equal(pageSize, 1 << pool.PageShift);
        for (int frame = 0; frame < frameCount; frame++)
        {
            Assert.Equal(pageSize, pool.Bytes(frame).Length);
            Assert.Equal(0, AddressOf(pool.Bytes(frame)) % FramePool.FrameAlignment);
            Assert.Equal(0, AddressOf(pool.Memory(frame).Span) % FramePool.FrameAlignment);
        }
    }

    [Fact]
    public void MetadataIsAlignedToACacheLinePerFrame()
    {
        using var pool = new FramePool(16, 4096);

        Assert.Equal(64, Unsafe.SizeOf<FrameMetadata>());
        for (int frame = 0; frame < pool.FrameCount; frame++)
        {
            Assert.Equal(0, AddressOf(ref pool.Metadata(frame)) % 64);
        }
    }

    [Fact]
    public void NewPoolMetadataMarksEveryFrameFreeAndUnlinked()
    {
        using var pool = new FramePool(8, 4096);

        for (int frame = 0; frame < pool.FrameCount; frame++)
        {
            ref FrameMetadata metadata = ref pool.Metadata(frame);
            Assert.Equal(FrameMetadata.FreeFileId, metadata.FileId);
            Assert.Equal(-1, metadata.QueuePrevious);
            Assert.Equal(-1, metadata.QueueNext);
            Assert.Equal(0, metadata.State);
            Assert.Equal(UInt128.Zero, metadata.ValidSectors);
            Assert.Equal(UInt128.Zero, metadata.DirtySectors);
        }
    }

    [Fact]
    public void EachFramesBytesAreItsOwn()
    {
        using var pool = new FramePool(6, 4096);
        for (int frame = 0; frame < pool.FrameCount; frame++)
        {
            pool.Bytes(frame).Fill((byte)(frame + 1));
        }

        for (int frame = 0; frame < pool.FrameCount; frame++)
        {
            Assert.False(pool.Bytes(frame).ContainsAnyExcept((byte)(frame + 1)), $"frame {frame} keeps its own bytes");
        }
    }

    [Fact]
    public void EachFramesMetadataIsItsOwn()
    {
        using var pool = new FramePool(5, 4096);
        for (int frame = 0; frame < pool.FrameCount; frame++)
        {
            ref FrameMetadata metadata = ref pool.Metadata(frame);
            metadata.State = frame * 11;
            metadata.FileId = frame * 13;
            metadata.PageNumber = frame * 17L;
            metadata.ValidSectors = (UInt128)(frame * 19);
            metadata.DirtySectors = (UInt128)(frame * 23);
            metadata.QueuePrevious = frame * 29;
            metadata.QueueNext = frame * 31;
            metadata.DirtiedAtTick = frame * 37;
            metadata.SyncGeneration = frame * 41;
        }

        for (int frame = 0; frame < pool.FrameCount; frame++)
        {
            FrameMetadata metadata = pool.Metadata(frame);
            Assert.Equal(
                (frame * 11, frame * 13, frame * 17L, (UInt128)(frame * 19), (UInt128)(frame * 23), frame * 29, frame * 31, frame * 37, frame * 41),
                (metadata.State, metadata.FileId, metadata.PageNumber, metadata.ValidSectors, metadata.DirtySectors, metadata.QueuePrevious, metadata.QueueNext, metadata.DirtiedAtTick, metadata.SyncGeneration));
        }
    }

    [Fact]
    public void MemoryAndBytesAreViewsOfTheSameFrame()
    {
        using var pool = new FramePool(4, 4096);
        for (int frame = 0; frame < pool.FrameCount; frame++)
        {
            Memory<byte> memory = pool.Memory(frame);
            Span<byte> bytes = pool.Bytes(frame);

            Assert.Equal(bytes.Length, memory.Length);
            Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(bytes), ref MemoryMarshal.GetReference(memory.Span)));
            bytes[100] = 0xAB;
            memory.Span[200] = 0xCD;
            Assert.Equal(0xAB, memory.Span[100]);
            Assert.Equal(0xCD, bytes[200]);
        }
    }

    [Fact]
    public void MemoryCanBePinnedForVectoredIO()
    {
        using var pool = new FramePool(2, 4096);

        using System.Buffers.MemoryHandle handle = pool.Memory(1).Pin();

        Assert.Equal(AddressOf(pool.Bytes(1)), PointerOf(handle));
    }

    [Fact]
    public void DisposeIsIdempotentAndKeepsTheMetadataReadable()
    {
        var pool = new FramePool(2, 4096);
        pool.Metadata(1).FileId = 5;

        pool.Dispose();
        pool.Dispose();

        Assert.True(pool.IsDisposed);
        Assert.Equal(5, pool.Metadata(1).FileId);
    }

    private static unsafe long AddressOf(Span<byte> bytes) => (long)Unsafe.AsPointer(ref MemoryMarshal.GetReference(bytes));

    private static unsafe long AddressOf(ref FrameMetadata metadata) => (long)Unsafe.AsPointer(ref metadata);

    private static unsafe long PointerOf(System.Buffers.MemoryHandle handle) => (long)handle.Pointer;
}
