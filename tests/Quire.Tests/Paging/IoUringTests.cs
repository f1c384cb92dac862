// Proves the io_uring ring on this kernel: vectored writes prepared together, submitted with one
// call, land where they were asked to with their completions carrying their user data and byte
// counts; a write the kernel refuses completes with its negative errno instead of throwing; and a
// full submission queue says so rather than overwriting an entry in flight.

using System.Runtime.InteropServices;
using Quire.Paging;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Paging;

public sealed unsafe class IoUringTests
{
    [Fact]
    public void WritesSubmittedTogetherLandAndComplete()
    {
        Assert.True(IoUring.IsSupported, "io_uring is enabled on this machine (kernel.io_uring_disabled = 0).");
        using var directory = new TempDirectory();
        string path = directory.File("ring");
        using var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite);
        int fd = (int)stream.SafeFileHandle.DangerousGetHandle();
        byte[] first = BytePatterns.Create(4096, 1);
        byte[] second = BytePatterns.Create(8192, 2);
        using IoUring ring = IoUring.Create(8, maxVectors: 2);
        fixed (byte* a = first, b = second)
        {
            Assert.True(ring.TryPrepareWrite(fd, [(nint)a], 4096, 0, userData: 7));
            Assert.True(ring.TryPrepareWrite(fd, [(nint)b, (nint)b + 4096], 4096, 4096, userData: 9));
            Assert.Equal(2, ring.InFlight);
            ring.Submit(waitFor: 2);

            var results = new Dictionary<ulong, int>();
            while (ring.TryReap(out ulong userData, out int result))
            {
                results.Add(userData, result);
            }

            Assert.Equal(new Dictionary<ulong, int> { [7] = 4096, [9] = 8192 }, results);
            Assert.Equal(0, ring.InFlight);
        }

        Assert.Equal([.. first, .. second], File.ReadAllBytes(path));
    }

    [Fact]
    public void AWriteTheKernelRefusesCompletesWithItsErrno()
    {
        Assert.True(IoUring.IsSupported, "io_uring is enabled on this machine (kernel.io_uring_disabled = 0).");
        using IoUring ring = IoUring.Create(4, maxVectors: 1);
        byte[] data = new byte[512];
        fixed (byte* pointer = data)
        {
            Assert.True(ring.TryPrepareWrite(-1, [(nint)pointer], 512, 0, userData: 3));
            ring.Submit(waitFor: 1);

            Assert.True(ring.TryReap(out ulong userData, out int result));
            Assert.Equal(3UL, userData);
            Assert.Equal(-9, result); // EBADF
        }
    }

    [Fact]
    public void AFullSubmissionQueueRefusesMore()
    {
        Assert.True(IoUring.IsSupported, "io_uring is enabled on this machine (kernel.io_uring_disabled = 0).");
        using IoUring ring = IoUring.Create(2, maxVectors: 1);
        nint buffer = (nint)NativeMemory.Alloc(512);
        try
        {
            for (uint i = 0; i < ring.Entries; i++)
            {
                Assert.True(ring.TryPrepareWrite(-1, [buffer], 512, 0, userData: i));
            }

            Assert.False(ring.TryPrepareWrite(-1, [buffer], 512, 0, userData: 99));
            ring.Submit(waitFor: (int)ring.Entries);
            int reaped = 0;
            while (ring.TryReap(out _, out _))
            {
                reaped++;
            }

            Assert.Equal((int)ring.Entries, reaped);
        }
        finally
        {
            NativeMemory.Free((void*)buffer);
        }
    }
}
