// Proves QuireDevice's own contract, driven directly as FASTER drives it: a hit completes inline on
// the caller's thread without allocating; a miss reads the file and completes later; a durable
// write is in the segment's file when its callback runs, and writes in flight together share
// their flushes; a failure reaches FASTER as an error code; segments are named as FASTER's own
// devices name them, removing one (directly, by capacity, on close) deletes its file and drops its
// pages; bad arguments throw clear exceptions.

using System.Runtime.InteropServices;
using FASTER.core;
using Quire.Faster;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Faster;

public sealed unsafe class QuireDeviceTests : IDisposable
{
    private const int SegmentSize = 1 << 20;
    private const int BufferSize = 8192;

    private readonly TempDirectory _temp = new();
    private readonly PageCache _cache = new(new PageCacheOptions { MemoryLimitBytes = 4 << 20 });
    private readonly byte* _buffer = (byte*)NativeMemory.AlignedAlloc(BufferSize, 4096);

    public void Dispose()
    {
        NativeMemory.AlignedFree(_buffer);
        _cache.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void AHitCompletesInlineWithoutAllocating()
    {
        using QuireDevice device = CreateDevice();
        Fill(0x5A, 4096);
        Write(device, segmentId: 0, fileOffset: 8192, byteCount: 4096);
        var completion = new Completion();
        new Span<byte>(_buffer, 4096).Clear();

        // The first read warms the path up (JIT, first-use state); the second is measured.
        device.ReadAsync(0, 8192, (IntPtr)_buffer, 512, Completion.Callback, completion);
        Assert.True(completion.IsDone, "a hit should complete before ReadAsync returns");
        completion.Reset();
        long before = GC.GetAllocatedBytesForCurrentThread();
        device.ReadAsync(0, 8192 + 512, (IntPtr)_buffer, 512, Completion.Callback, completion);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(completion.IsDone, "a hit should complete before ReadAsync returns");
        Assert.Equal(Environment.CurrentManagedThreadId, completion.ThreadId);
        Assert.Equal((0u, 512u), (completion.ErrorCode, completion.ByteCount));
        Assert.Equal(0, allocated);
        Assert.True(new Span<byte>(_buffer, 512).IndexOfAnyExcept((byte)0x5A) < 0, "the hit did not copy the bytes written");
    }

    [Fact]
    public void AMissReadsTheSegmentFileWrittenByAnotherCache()
    {
        string log = _temp.File("hlog.log");
        using (QuireDevice writer = CreateDevice(log))
        {
            Fill(0x33, 4096);
            Write(writer, segmentId: 3, fileOffset: 4096, byteCount: 4096);
        }

        Assert.Equal(8192, new FileInfo(log + ".3").Length);
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1 << 20 });
        using var reader = new QuireDevice(cache, log);
        reader.Initialize(SegmentSize);
        new Span<byte>(_buffer, BufferSize).Fill(0xFF);
        var completion = new Completion();
        reader.ReadAsync(3, 4096, (IntPtr)_buffer, 4096, Completion.Callback, completion);
        completion.Wait();

        Assert.Equal((0u, 4096u), (completion.ErrorCode, completion.ByteCount));
        Assert.True(new Span<byte>(_buffer, 4096).IndexOfAnyExcept((byte)0x33) < 0, "the miss did not read the bytes written");
        Assert.Equal(1, cache.GetStatistics().Misses);
    }

    [Fact]
    public void AReadPastTheEndOfTheFileReportsTheBytesThereAndZerosTheRest()
    {
        using QuireDevice device = CreateDevice();
        Fill(0x11, 512);
        Write(device, segmentId: 0, fileOffset: 0, byteCount: 512);
        new Span<byte>(_buffer, BufferSize).Fill(0xFF);
        var completion = new Completion();
        device.ReadAsync(0, 0, (IntPtr)_buffer, 4096, Completion.Callback, completion);
        completion.Wait();

        Assert.Equal((0u, 512u), (completion.ErrorCode, completion.ByteCount));
        Assert.True(new Span<byte>(_buffer + 512, 4096 - 512).IndexOfAnyExcept((byte)0) < 0, "the bytes past the end were not zeroed");
    }

    [Fact]
    public void ADurableWriteIsInTheFileWhenItsCallbackRuns()
    {
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1 << 20, StartPageWriter = false, FlushOnLastClose = false });
        using var device = new QuireDevice(cache, _temp.File("hlog.log"));
        device.Initialize(SegmentSize);
        Fill(0x77, 4096);
        Write(device, segmentId: 0, fileOffset: 0, byteCount: 4096);

        byte[] onDisk = RawFile.ReadAllBytes(device.GetSegmentPath(0));
        Assert.Equal(4096, onDisk.Length);
        Assert.True(onDisk.AsSpan().IndexOfAnyExcept((byte)0x77) < 0, "the write's bytes were not in the file when it completed");
        Assert.Equal(0, cache.GetStatistics().DirtyPages);
    }

    [Fact]
    public void WithoutDurableWritesAWriteCompletesInlineOnceInTheCache()
    {
        using var device = new QuireDevice(_cache, _temp.File("hlog.log"), new QuireDeviceOptions { DurableWrites = false });
        device.Initialize(SegmentSize);
        Fill(0x12, 4096);
        var completion = new Completion();
        device.WriteAsync((IntPtr)_buffer, 0, 0, 4096, Completion.Callback, completion);

        Assert.True(completion.IsDone, "a write into the cache should complete before WriteAsync returns");
        Assert.Equal((0u, 4096u), (completion.ErrorCode, completion.ByteCount));
        Assert.True(_cache.GetStatistics().DirtyPages > 0, "the write should wait in the cache, not be flushed");
    }

    [Fact]
    public void SegmentsAreNamedAsFastersOwnDevicesNameThemAndRemovingOneDeletesItsFile()
    {
        string log = _temp.File("hlog.log");
        using QuireDevice device = CreateDevice(log);
        Fill(0x01, 4096);
        Write(device, segmentId: 0, fileOffset: 0, byteCount: 4096);
        Write(device, segmentId: 1, fileOffset: 0, byteCount: 4096);

        Assert.Equal(log + ".0", device.GetSegmentPath(0));
        Assert.True(File.Exists(log + ".1"));
        device.RemoveSegment(0);
        Assert.False(File.Exists(log + ".0"), "the removed segment's file is still there");
        Assert.True(File.Exists(log + ".1"), "the other segment's file was removed too");

        var removed = new ManualResetEventSlim();
        device.RemoveSegmentAsync(1, _ => removed.Set(), null!);
        Assert.True(removed.Wait(TimeSpan.FromSeconds(10)), "the asynchronous removal did not call back");
        Assert.False(File.Exists(log + ".1"), "the asynchronously removed segment's file is still there");
        Assert.Equal(2, _cache.GetStatistics().Deletes);
    }

    [Fact]
    public void SegmentFilesCreatedByFastersOwnDeviceAreReadThroughQuire()
    {
        string log = _temp.File("hlog.log");
        File.WriteAllBytes(log + ".2", [.. Enumerable.Repeat((byte)0x42, 4096)]);
        using QuireDevice device = CreateDevice(log);
        var completion = new Completion();
        device.ReadAsync(2, 0, (IntPtr)_buffer, 4096, Completion.Callback, completion);
        completion.Wait();
        Assert.Equal((0u, 4096u), (completion.ErrorCode, completion.ByteCount));
        Assert.Equal(0x42, _buffer[4095]);
        Assert.Equal(SegmentSize, device.GetFileSize(2));

        using var unsegmented = new QuireDevice(_cache, _temp.File("single.log"));
        unsegmented.Initialize(-1);
        File.WriteAllBytes(unsegmented.GetSegmentPath(0), new byte[1536]);
        Assert.Equal(1536, unsegmented.GetFileSize(0));
    }

    [Fact]
    public void DurableWritesInFlightTogetherShareFlushes()
    {
        using QuireDevice device = CreateDevice();
        const int WriteCount = 32;
        var completions = new Completion[WriteCount];
        long flushesBefore = _cache.GetStatistics().DurableFlushes;
        byte* source = (byte*)NativeMemory.AlignedAlloc(WriteCount * 4096, 4096);
        try
        {
            for (int i = 0; i < WriteCount; i++)
            {
                new Span<byte>(source + (i * 4096), 4096).Fill((byte)(i + 1));
                completions[i] = new Completion();
                device.WriteAsync((IntPtr)(source + (i * 4096)), 0, (ulong)i * 4096, 4096, Completion.Callback, completions[i]);
            }

            foreach (Completion completion in completions)
            {
                completion.Wait();
                Assert.Equal((0u, 4096u), (completion.ErrorCode, completion.ByteCount));
            }
        }
        finally
        {
            NativeMemory.AlignedFree(source);
        }

        long flushes = _cache.GetStatistics().DurableFlushes - flushesBefore;
        Assert.True(flushes < WriteCount / 2, $"{WriteCount} writes in flight together should share flushes, but took {flushes}");
        byte[] onDisk = RawFile.ReadAllBytes(device.GetSegmentPath(0));
        for (int i = 0; i < WriteCount; i++)
        {
            Assert.True(onDisk.AsSpan(i * 4096, 4096).IndexOfAnyExcept((byte)(i + 1)) < 0, $"write {i} is not in the file");
        }
    }

    [Fact]
    public void AReadOfAnOpenSegmentAfterTheCacheIsDisposedReportsAnErrorCode()
    {
        var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1 << 20 });
        var device = new QuireDevice(cache, _temp.File("hlog.log"));
        device.Initialize(SegmentSize);
        Fill(0x21, 4096);
        Write(device, segmentId: 0, fileOffset: 0, byteCount: 4096);
        cache.Dispose();

        var completion = new Completion();
        device.ReadAsync(0, 0, (IntPtr)_buffer, 4096, Completion.Callback, completion);
        completion.Wait();
        Assert.Equal((uint.MaxValue, 0u), (completion.ErrorCode, completion.ByteCount));
    }

    [Fact]
    public void ASegmentThatCannotBeOpenedReportsAnErrorCode()
    {
        string log = _temp.File("hlog.log");
        Directory.CreateDirectory(log + ".5"); // a directory where segment 5's file would be
        using QuireDevice device = CreateDevice(log);

        var read = new Completion();
        device.ReadAsync(5, 0, (IntPtr)_buffer, 512, Completion.Callback, read);
        var write = new Completion();
        device.WriteAsync((IntPtr)_buffer, 5, 0, 512, Completion.Callback, write);

        Assert.True(read.IsDone && write.IsDone, "a segment that cannot be opened should call back at once");
        Assert.NotEqual(0u, read.ErrorCode);
        Assert.NotEqual(0u, write.ErrorCode);
        Assert.Equal(0, device.PendingCount);
    }

    [Fact]
    public void DeleteOnCloseDeletesTheSegmentsWithoutWritingThem()
    {
        string log = _temp.File("hlog.log");
        var device = new QuireDevice(_cache, log, new QuireDeviceOptions { DeleteOnClose = true, DurableWrites = false });
        device.Initialize(SegmentSize);
        Fill(0x31, 4096);
        Write(device, segmentId: 0, fileOffset: 0, byteCount: 4096);
        Write(device, segmentId: 1, fileOffset: 0, byteCount: 4096);
        long writtenBefore = _cache.GetStatistics().PagesWritten;

        device.Dispose();

        Assert.False(File.Exists(log + ".0"), "segment 0 outlived the device");
        Assert.False(File.Exists(log + ".1"), "segment 1 outlived the device");
        Assert.Equal(writtenBefore, _cache.GetStatistics().PagesWritten);
    }

    [Fact]
    public void AWriteToASegmentPastTheCapacityRemovesTheOldestSegment()
    {
        // A LightEpoch takes one of FASTER's few epoch table slots until it is disposed.
        var epoch = new LightEpoch();
        try
        {
            string log = _temp.File("hlog.log");
            using var device = new QuireDevice(_cache, log, new QuireDeviceOptions { CapacityBytes = 2L * SegmentSize });
            device.Initialize(SegmentSize, epoch);
            Fill(0x41, 4096);
            for (int segment = 0; segment < 4; segment++)
            {
                Write(device, segment, fileOffset: 0, byteCount: 4096);
            }

            // FASTER's base device keeps the capacity's two segments before the one written (1 to 3)
            // and removes the rest once the epoch lets it: a thread entering and leaving the epoch
            // runs the removal, which then goes on in the background (RemoveSegmentAsync).
            DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (File.Exists(log + ".0") && DateTime.UtcNow < deadline)
            {
                epoch.Resume();
                epoch.Suspend();
                Thread.Sleep(10);
            }

            Assert.False(File.Exists(log + ".0"), "segment 0 is past the capacity and should be removed");
            Assert.True(File.Exists(log + ".1"), "segment 1 is within the capacity and must stay");
            Assert.True(File.Exists(log + ".3"), "the newest segment must stay");
        }
        finally
        {
            epoch.Dispose();
        }
    }

    [Fact]
    public void BadArgumentsThrowClearExceptions()
    {
        Assert.Throws<ArgumentNullException>(() => new QuireDevice(null!, _temp.File("hlog.log")));
        Assert.Throws<ArgumentException>(() => new QuireDevice(_cache, ""));
        Assert.Throws<ArgumentException>(() => new QuireDevice(_cache, _temp.Path));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuireDevice(_cache, _temp.File("a.log"), new QuireDeviceOptions { SectorSizeBytes = 1000 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuireDevice(_cache, _temp.File("a.log"), new QuireDeviceOptions { SectorSizeBytes = 256 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuireDevice(_cache, _temp.File("a.log"), new QuireDeviceOptions { SectorSizeBytes = 8192 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuireDevice(_cache, _temp.File("a.log"), new QuireDeviceOptions { CapacityBytes = 0 }));

        using QuireDevice device = CreateDevice();
        var completion = new Completion();
        IntPtr buffer = (IntPtr)_buffer;
        Assert.Throws<ArgumentOutOfRangeException>(() => device.ReadAsync(-1, 0, buffer, 512, Completion.Callback, completion));
        Assert.Throws<ArgumentOutOfRangeException>(() => device.ReadAsync(0, 100, buffer, 512, Completion.Callback, completion));
        Assert.Throws<ArgumentOutOfRangeException>(() => device.ReadAsync(0, 0, buffer, 100, Completion.Callback, completion));
        Assert.Throws<ArgumentOutOfRangeException>(() => device.ReadAsync(0, SegmentSize - 512, buffer, 1024, Completion.Callback, completion));
        Assert.Throws<ArgumentNullException>(() => device.ReadAsync(0, 0, IntPtr.Zero, 512, Completion.Callback, completion));
        Assert.Throws<ArgumentNullException>(() => device.ReadAsync(0, 0, buffer, 512, null!, completion));
        Assert.Throws<ArgumentOutOfRangeException>(() => device.WriteAsync(buffer, 0, 512, 100, Completion.Callback, completion));
        Assert.Throws<ArgumentOutOfRangeException>(() => device.WriteAsync(buffer, 0, 1, 512, Completion.Callback, completion));
        Assert.Throws<ArgumentOutOfRangeException>(() => device.RemoveSegment(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => device.GetSegmentPath(-1));
        Assert.False(completion.IsDone, "a refused call must not call back");

        device.Dispose();
        Assert.Throws<ObjectDisposedException>(() => device.ReadAsync(0, 0, buffer, 512, Completion.Callback, completion));
        Assert.Throws<ObjectDisposedException>(() => device.WriteAsync(buffer, 0, 0, 512, Completion.Callback, completion));
    }

    private QuireDevice CreateDevice(string? log = null)
    {
        var device = new QuireDevice(_cache, log ?? _temp.File("hlog.log"));
        device.Initialize(SegmentSize);
        return device;
    }

    private void Fill(byte value, int byteCount) => new Span<byte>(_buffer, byteCount).Fill(value);

    private void Write(QuireDevice device, int segmentId, ulong fileOffset, uint byteCount)
    {
        var completion = new Completion();
        device.WriteAsync((IntPtr)_buffer, segmentId, fileOffset, byteCount, Completion.Callback, completion);
        completion.Wait();
        Assert.Equal((0u, byteCount), (completion.ErrorCode, completion.ByteCount));
    }

    /// <summary>What a device callback reported, and on which thread.</summary>
    private sealed class Completion
    {
        public static readonly DeviceIOCompletionCallback Callback = static (errorCode, byteCount, context) => ((Completion)context).Complete(errorCode, byteCount);

        private readonly ManualResetEventSlim _done = new();

        public uint ErrorCode { get; private set; }

        public uint ByteCount { get; private set; }

        public int ThreadId { get; private set; }

        public bool IsDone => _done.IsSet;

        public void Reset() => _done.Reset();

        public void Wait() => Assert.True(_done.Wait(TimeSpan.FromSeconds(10)), "the device did not call back within 10 s");

        private void Complete(uint errorCode, uint byteCount)
        {
            ErrorCode = errorCode;
            ByteCount = byteCount;
            ThreadId = Environment.CurrentManagedThreadId;
            _done.Set();
        }
    }
}
