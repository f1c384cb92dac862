// IoUring: one io_uring instance (Linux 5.1+), set up and driven through its system calls and its
// rings mapped into this process, with no native library: many vectored writes are submitted with
// one system call and their completions reaped from shared memory, instead of a blocked thread
// and a system call per write. It is a thin, single-threaded ring: whoever rented it prepares,
// submits and reaps; nothing here is shared between threads.
//
// The rings are memory shared with the kernel: the submission queue's tail and the completion
// queue's head are written here and read by the kernel, the other two the other way round, so
// each is read with acquire and written with release semantics (Volatile), as liburing does.
//
// This file and FramePool are the two that use unsafe code: the rings are raw memory by nature.

using System.Runtime.InteropServices;

namespace Quire.Paging;

internal sealed unsafe partial class IoUring : IDisposable
{
    private const long SysIoUringSetup = 425; // the same number on every architecture Linux gives io_uring
    private const long SysIoUringEnter = 426;
    private const uint EnterGetEvents = 1; // IORING_ENTER_GETEVENTS
    private const uint FeatureSingleMmap = 1; // IORING_FEAT_SINGLE_MMAP
    private const uint FeatureSubmitStable = 4; // IORING_FEAT_SUBMIT_STABLE: what a submission points to is needed only until it is submitted
    private const long OffsetSqRing = 0; // IORING_OFF_SQ_RING
    private const long OffsetCqRing = 0x8000000; // IORING_OFF_CQ_RING
    private const long OffsetSqes = 0x10000000; // IORING_OFF_SQES
    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapSharedPopulate = 0x01 | 0x8000;
    private const byte OpWritev = 2; // IORING_OP_WRITEV
    private const int EINTR = 4;
    private const int EAGAIN = 11;
    private const int EBUSY = 16;

    private static readonly Lazy<bool> s_supported = new(Probe);

    private readonly int _fd;
    private readonly nint _sqRing;
    private readonly nuint _sqRingBytes;
    private readonly nint _cqRing; // the same mapping as _sqRing with a single mmap
    private readonly nuint _cqRingBytes;
    private readonly nint _sqes;
    private readonly nuint _sqesBytes;
    private readonly uint* _sqTail;
    private readonly uint _sqMask;
    private readonly uint* _sqArray;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly Completion* _cqes;
    private readonly IoVector* _vectors; // (owned) the iovecs of the writes prepared since the last Submit, MaxVectors each
    private uint _unsubmitted; // prepared, not yet taken by the kernel
    private uint _vectorSlotsUsed; // iovec areas used since the kernel last took everything prepared
    private int _inFlight; // submitted or prepared, not yet reaped
    private bool _disposed;

    private IoUring(uint entries, int maxVectors)
    {
        Parameters parameters = default;
        long fd = Syscall(SysIoUringSetup, entries, (nint)(&parameters), 0, 0, 0, 0);
        if (fd < 0)
        {
            throw new IOException($"io_uring_setup failed (errno {Marshal.GetLastPInvokeError()}).", Marshal.GetLastPInvokeError());
        }

        _fd = (int)fd;
        Entries = parameters.SqEntries;
        MaxVectors = maxVectors;
        try
        {
            if ((parameters.Features & FeatureSubmitStable) == 0)
            {
                throw new IOException("This kernel's io_uring needs the data of a write kept until it completes (no IORING_FEAT_SUBMIT_STABLE).");
            }

            _sqRingBytes = parameters.SqOffsets.Array + (parameters.SqEntries * sizeof(uint));
            _cqRingBytes = parameters.CqOffsets.Cqes + (parameters.CqEntries * (uint)sizeof(Completion));
            bool single = (parameters.Features & FeatureSingleMmap) != 0;
            if (single)
            {
                _sqRingBytes = _cqRingBytes = Math.Max(_sqRingBytes, _cqRingBytes);
            }

            _sqRing = Map(_sqRingBytes, OffsetSqRing);
            _cqRing = single ? _sqRing : Map(_cqRingBytes, OffsetCqRing);
            _sqesBytes = parameters.SqEntries * (uint)sizeof(Submission);
            _sqes = Map(_sqesBytes, OffsetSqes);
        }
        catch
        {
            Unmap();
            Close(_fd);
            throw;
        }

        byte* sq = (byte*)_sqRing;
        _sqTail = (uint*)(sq + parameters.SqOffsets.Tail);
        _sqMask = *(uint*)(sq + parameters.SqOffsets.RingMask);
        _sqArray = (uint*)(sq + parameters.SqOffsets.Array);
        byte* cq = (byte*)_cqRing;
        _cqHead = (uint*)(cq + parameters.CqOffsets.Head);
        _cqTail = (uint*)(cq + parameters.CqOffsets.Tail);
        _cqMask = *(uint*)(cq + parameters.CqOffsets.RingMask);
        _cqes = (Completion*)(cq + parameters.CqOffsets.Cqes);
        _vectors = (IoVector*)NativeMemory.Alloc(Entries * (nuint)maxVectors, (nuint)sizeof(IoVector));
    }

    /// <summary>Whether this OS gives this process io_uring (probed once: a kernel without it, or with it disabled, says no).</summary>
    public static bool IsSupported => s_supported.Value;

    /// <summary>The submission queue's size: the most operations in flight at once.</summary>
    public uint Entries { get; }

    /// <summary>The most buffers one write may gather.</summary>
    public int MaxVectors { get; }

    /// <summary>Operations prepared that the kernel has not taken yet.</summary>
    public int Unsubmitted => (int)_unsubmitted;

    /// <summary>Operations prepared or submitted whose completion has not been reaped.</summary>
    public int InFlight => _inFlight;

    /// <summary>
    /// Sets up a ring of at least <paramref name="entries"/> entries (a power of two) whose writes
    /// gather up to <paramref name="maxVectors"/> buffers; throws <see cref="IOException"/> where
    /// the OS refuses.
    /// </summary>
    public static IoUring Create(uint entries, int maxVectors) => new(entries, maxVectors);

    /// <summary>
    /// Prepares one vectored write of <paramref name="buffers"/> (addresses of <paramref name="bufferLength"/>
    /// bytes each, which must stay valid until the write completes) to <paramref name="fileDescriptor"/>
    /// at <paramref name="fileOffset"/>; false when the submission queue is full.
    /// </summary>
    public bool TryPrepareWrite(int fileDescriptor, ReadOnlySpan<nint> buffers, int bufferLength, long fileOffset, ulong userData)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buffers.Length, MaxVectors);
        ArgumentOutOfRangeException.ThrowIfLessThan(buffers.Length, 1);
        if (_inFlight >= Entries || _vectorSlotsUsed >= Entries)
        {
            return false;
        }

        // Its iovecs are needed only until the kernel takes the write (IORING_FEAT_SUBMIT_STABLE):
        // the areas are reused once it has taken everything prepared.
        IoVector* iovecs = _vectors + (_vectorSlotsUsed++ * (uint)MaxVectors);
        for (int i = 0; i < buffers.Length; i++)
        {
            iovecs[i] = new IoVector { Base = buffers[i], Length = (nuint)bufferLength };
        }

        int count = buffers.Length;

        uint tail = *_sqTail; // written only here
        uint index = tail & _sqMask;
        Submission* submission = (Submission*)_sqes + index;
        *submission = default;
        submission->Opcode = OpWritev;
        submission->FileDescriptor = fileDescriptor;
        submission->Offset = (ulong)fileOffset;
        submission->Address = (ulong)iovecs;
        submission->Length = (uint)count;
        submission->UserData = userData;
        _sqArray[index] = index;
        Volatile.Write(ref *_sqTail, tail + 1);
        _unsubmitted++;
        _inFlight++;
        return true;
    }

    /// <summary>
    /// Submits what was prepared and waits until at least <paramref name="waitFor"/> completions
    /// are ready to reap (no more than are in flight). Throws <see cref="IOException"/> when the
    /// kernel refuses the call itself; each operation's own result comes with its completion.
    /// </summary>
    public void Submit(int waitFor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        uint minComplete = (uint)Math.Clamp(waitFor, 0, _inFlight);
        while (true)
        {
            long result = Syscall(SysIoUringEnter, _fd, _unsubmitted, minComplete, minComplete > 0 ? EnterGetEvents : 0, 0, 0);
            if (result >= 0)
            {
                _unsubmitted -= (uint)result;
                if (_unsubmitted == 0)
                {
                    _vectorSlotsUsed = 0;
                    return;
                }

                continue; // the kernel took part of the queue: give it the rest
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR)
            {
                continue;
            }

            if ((errno == EAGAIN || errno == EBUSY) && _inFlight > (int)_unsubmitted)
            {
                // Out of room for completions: the caller reaps and submits again.
                return;
            }

            throw new IOException($"io_uring_enter failed (errno {errno}).", errno);
        }
    }

    /// <summary>Takes the next completion, if one is ready: the operation's user data and result (bytes, or a negative errno).</summary>
    public bool TryReap(out ulong userData, out int result)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        uint head = *_cqHead; // written only here
        if (head == Volatile.Read(ref *_cqTail))
        {
            userData = 0;
            result = 0;
            return false;
        }

        Completion* completion = _cqes + (head & _cqMask);
        userData = completion->UserData;
        result = completion->Result;
        Volatile.Write(ref *_cqHead, head + 1);
        _inFlight--;
        return true;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Unmap();
        Close(_fd);
        NativeMemory.Free(_vectors);
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("QUIRE_IO_URING") == "0")
        {
            return false;
        }

        try
        {
            using IoUring ring = Create(4, 1);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private nint Map(nuint byteCount, long offset)
    {
        nint address = MemoryMap(0, byteCount, ProtReadWrite, MapSharedPopulate, _fd, offset);
        if (address == -1)
        {
            throw new IOException($"Mapping an io_uring ring failed (errno {Marshal.GetLastPInvokeError()}).", Marshal.GetLastPInvokeError());
        }

        return address;
    }

    private void Unmap()
    {
        if (_sqes != 0)
        {
            _ = MemoryUnmap(_sqes, _sqesBytes);
        }

        if (_cqRing != 0 && _cqRing != _sqRing)
        {
            _ = MemoryUnmap(_cqRing, _cqRingBytes);
        }

        if (_sqRing != 0)
        {
            _ = MemoryUnmap(_sqRing, _sqRingBytes);
        }
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a, long b, long c, long d, long e, long f);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint MemoryMap(nint address, nuint length, int protection, int flags, int fileDescriptor, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int MemoryUnmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fileDescriptor);

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public nint Base;
        public nuint Length;
    }

    /// <summary>struct io_uring_sqe (64 bytes), the fields a vectored write uses.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct Submission
    {
        [FieldOffset(0)]
        public byte Opcode;
        [FieldOffset(4)]
        public int FileDescriptor;
        [FieldOffset(8)]
        public ulong Offset;
        [FieldOffset(16)]
        public ulong Address;
        [FieldOffset(24)]
        public uint Length;
        [FieldOffset(32)]
        public ulong UserData;
    }

    /// <summary>struct io_uring_cqe (16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Completion
    {
        public ulong UserData;
        public int Result;
        public uint Flags;
    }

    /// <summary>struct io_sqring_offsets.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SubmissionOffsets
    {
        public uint Head;
        public uint Tail;
        public uint RingMask;
        public uint RingEntries;
        public uint Flags;
        public uint Dropped;
        public uint Array;
        public uint Reserved;
        public ulong UserAddress;
    }

    /// <summary>struct io_cqring_offsets.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct CompletionOffsets
    {
        public uint Head;
        public uint Tail;
        public uint RingMask;
        public uint RingEntries;
        public uint Overflow;
        public uint Cqes;
        public uint Flags;
        public uint Reserved;
        public ulong UserAddress;
    }

    /// <summary>struct io_uring_params (120 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Parameters
    {
        public uint SqEntries;
        public uint CqEntries;
        public uint Flags;
        public uint SqThreadCpu;
        public uint SqThreadIdle;
        public uint Features;
        public uint WqFd;
        public uint Reserved0;
        public uint Reserved1;
        public uint Reserved2;
        public SubmissionOffsets SqOffsets;
        public CompletionOffsets CqOffsets;
    }
}
