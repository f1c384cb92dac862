// RbdOperation: one asynchronous librbd read, write or flush (rbd_aio_readv, rbd_aio_writev,
// rbd_aio_flush) with its completion. It owns what must stay valid until librbd completes it, which may be long after
// the caller stopped waiting: the pinned buffers of a read, the private copy of a write's data,
// the native iovec array, and a GC handle to itself that librbd's callback turns back into the
// operation. Completion runs on a librbd thread: it reads the result, releases the completion,
// frees what the operation owns, runs the owner's completion action, then completes Task.
//
// Locking: none; an operation is submitted once and completed once (by librbd's callback, or by
// Submit itself when librbd refuses it).

using System.Buffers;
using System.Runtime.InteropServices;

namespace Quire.Ceph.Interop;

internal sealed unsafe class RbdOperation
{
    private readonly TaskCompletionSource<long> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MemoryHandle[] _pins;
    private readonly Librbd.IoVector* _vectors;
    private readonly int _vectorCount;
    private readonly void* _copy;
    private readonly Action<long>? _completed;
    private GCHandle _self;

    private RbdOperation(MemoryHandle[] pins, Librbd.IoVector* vectors, int vectorCount, void* copy, long byteCount, Action<long>? completed)
    {
        _pins = pins;
        _vectors = vectors;
        _vectorCount = vectorCount;
        _copy = copy;
        ByteCount = byteCount;
        _completed = completed;
    }

    /// <summary>The bytes the operation reads or writes.</summary>
    public long ByteCount { get; }

    /// <summary>Completes with librbd's result: the bytes transferred, or a negative errno.</summary>
    public Task<long> Task => _completion.Task;

    /// <summary>A read of the first <paramref name="byteCount"/> bytes of <paramref name="buffers"/>, pinned until it completes.</summary>
    public static RbdOperation ForRead(IReadOnlyList<Memory<byte>> buffers, long byteCount)
    {
        int count = 0;
        long remaining = byteCount;
        while (count < buffers.Count && remaining > 0)
        {
            remaining -= buffers[count].Length;
            count++;
        }

        var pins = new MemoryHandle[count];
        var vectors = (Librbd.IoVector*)NativeMemory.Alloc((nuint)Math.Max(1, count), (nuint)sizeof(Librbd.IoVector));
        remaining = byteCount;
        for (int i = 0; i < count; i++)
        {
            pins[i] = buffers[i].Pin();
            vectors[i].Base = pins[i].Pointer;
            vectors[i].Length = (nuint)Math.Min(buffers[i].Length, remaining);
            remaining -= buffers[i].Length;
        }

        return new RbdOperation(pins, vectors, count, null, byteCount, null);
    }

    /// <summary>
    /// A write of a private copy of <paramref name="buffers"/>: the caller may reuse them as soon
    /// as this returns. <paramref name="completed"/> runs with the result before Task completes.
    /// </summary>
    public static RbdOperation ForWrite(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long byteCount, Action<long>? completed)
    {
        byte* copy = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, byteCount));
        long offset = 0;
        foreach (ReadOnlyMemory<byte> buffer in buffers)
        {
            buffer.Span.CopyTo(new Span<byte>(copy + offset, buffer.Length));
            offset += buffer.Length;
        }

        var vectors = (Librbd.IoVector*)NativeMemory.Alloc(1, (nuint)sizeof(Librbd.IoVector));
        vectors[0].Base = copy;
        vectors[0].Length = (nuint)byteCount;
        return new RbdOperation([], vectors, 1, copy, byteCount, completed);
    }

    /// <summary>A flush: completes when every write librbd completed before it is durable.</summary>
    public static RbdOperation ForFlush() =>
        new([], (Librbd.IoVector*)NativeMemory.Alloc(1, (nuint)sizeof(Librbd.IoVector)), 0, null, 0, null);

    /// <summary>Hands the operation to librbd; a refusal completes it at once with the error.</summary>
    public void Submit(RbdImageHandle image, long fileOffset, RbdOperationKind kind)
    {
        _self = GCHandle.Alloc(this);
        int result = Librbd.CreateCompletion(GCHandle.ToIntPtr(_self), &OnComplete, out IntPtr completion);
        if (result < 0)
        {
            Finish(result);
            return;
        }

        bool added = false;
        try
        {
            image.DangerousAddRef(ref added);
            IntPtr handle = image.DangerousGetHandle();
            result = kind switch
            {
                RbdOperationKind.Write => Librbd.WriteVectorAsync(handle, _vectors, _vectorCount, (ulong)fileOffset, completion),
                RbdOperationKind.Read => Librbd.ReadVectorAsync(handle, _vectors, _vectorCount, (ulong)fileOffset, completion),
                _ => Librbd.FlushAsync(handle, completion),
            };
        }
        finally
        {
            if (added)
            {
                image.DangerousRelease();
            }
        }

        if (result < 0)
        {
            Librbd.ReleaseCompletion(completion);
            Finish(result);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnComplete(IntPtr completion, IntPtr argument)
    {
        // On a librbd thread: nothing may escape.
        try
        {
            long result = Librbd.GetReturnValue(completion);
            Librbd.ReleaseCompletion(completion);
            ((RbdOperation)GCHandle.FromIntPtr(argument).Target!).Finish(result);
        }
        catch (Exception e)
        {
            Environment.FailFast("An RBD completion failed; the cache's state can no longer be trusted.", e);
        }
    }

    private void Finish(long result)
    {
        foreach (MemoryHandle pin in _pins)
        {
            pin.Dispose();
        }

        NativeMemory.Free(_vectors);
        if (_copy != null)
        {
            NativeMemory.Free(_copy);
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }

        _completed?.Invoke(result);
        _completion.SetResult(result);
    }
}
