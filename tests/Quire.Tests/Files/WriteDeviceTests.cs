// Proves what a write device estimates, step by step on a manual clock: the bandwidth follows the
// pages whose writes complete while the device is busy (a rise at once, a fall over three seconds),
// idle gaps are not samples; the dirty rate limit settles at the bandwidth shared among the
// writers; writeout shares follow recent writeout, age by half each period and give a new file a
// fair share; and the cache groups files by device: two files of one directory share one device,
// two stores of their own do not.

using Quire.Files;
using Quire.Testing;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Files;

public sealed class WriteDeviceTests
{
    private const int PageSize = 4096;
    private const double InitialPagesPerSecond = WriteDevice.InitialBandwidthBytesPerSecond / PageSize;

    [Fact]
    public void BandwidthFallsOverThreeSecondsTowardsWhatBusyIntervalsWrote()
    {
        var clock = new ManualTimeProvider();
        var device = new WriteDevice("disk", PageSize);
        FileObject file = NewFile(device);
        device.SampleBandwidth(clock, busy: true); // the first sample only starts an interval

        Write(device, file, 1000);
        clock.Advance(TimeSpan.FromMilliseconds(200));
        device.SampleBandwidth(clock, busy: true);

        double sample = 1000 / 0.2;
        double weight = 0.2 / 3;
        Assert.Equal((InitialPagesPerSecond * (1 - weight)) + (sample * weight), device.BandwidthPagesPerSecond, 1e-6);
    }

    [Fact]
    public void BandwidthRisesAtOnce()
    {
        var clock = new ManualTimeProvider();
        var device = new WriteDevice("disk", PageSize);
        FileObject file = NewFile(device);
        device.SampleBandwidth(clock, busy: true);

        Write(device, file, 100_000);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        device.SampleBandwidth(clock, busy: true);

        Assert.Equal(200_000, device.BandwidthPagesPerSecond, 1e-6);
    }

    [Fact]
    public void IdleTimeAndShortIntervalsAreNotSamples()
    {
        var clock = new ManualTimeProvider();
        var device = new WriteDevice("disk", PageSize);
        FileObject file = NewFile(device);
        device.SampleBandwidth(clock, busy: true);

        Write(device, file, 10);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        device.SampleBandwidth(clock, busy: true); // under BandwidthInterval: not yet
        clock.Advance(TimeSpan.FromSeconds(2));
        device.SampleBandwidth(clock, busy: true); // over a second: an idle gap, starts anew
        Assert.Equal(InitialPagesPerSecond, device.BandwidthPagesPerSecond);

        Write(device, file, 10);
        clock.Advance(TimeSpan.FromMilliseconds(300));
        device.SampleBandwidth(clock, busy: false); // nothing was waiting: the device was not the limit
        Assert.Equal(InitialPagesPerSecond, device.BandwidthPagesPerSecond);
    }

    [Fact]
    public void TheDirtyRateLimitSettlesAtTheBandwidthSharedByTheWriters()
    {
        var clock = new ManualTimeProvider();
        var device = new WriteDevice("disk", PageSize);
        device.UpdateDirtyRateLimit(clock, positionRatio: 1);
        for (int i = 0; i < 30; i++)
        {
            // Four writers, each dirtying at the rate the limit allows them at the setpoint.
            double perWriter = device.DirtyRateLimitPagesPerSecond * 0.2;
            device.AddPagesDirtied((int)(4 * perWriter));
            clock.Advance(TimeSpan.FromMilliseconds(200));
            device.UpdateDirtyRateLimit(clock, positionRatio: 1);
        }

        Assert.InRange(device.DirtyRateLimitPagesPerSecond, InitialPagesPerSecond / 4 * 0.99, InitialPagesPerSecond / 4 * 1.01);
    }

    [Fact]
    public void WriteoutSharesFollowRecentWriteoutAndANewFileGetsAFairShare()
    {
        var device = new WriteDevice("disk", PageSize);
        FileObject busy = NewFile(device);
        FileObject quiet = NewFile(device);
        FileObject fresh = NewFile(device);
        Write(device, busy, 300);
        Write(device, quiet, 100);
        busy.AddPagesToWrite(1);
        quiet.AddPagesToWrite(1);
        Assert.Equal(2, device.FilesWriting);

        Assert.Equal(0.75, device.WriteoutShare(busy, nowTick: 0), 1e-9);
        Assert.Equal(0.5, device.WriteoutShare(quiet, nowTick: 0), 1e-9); // a fair share of two

        fresh.AddPagesToWrite(1);
        Assert.Equal(1.0 / 3, device.WriteoutShare(fresh, nowTick: 0), 1e-9);

        // Two periods later the old writeout counts a quarter; what the quiet file writes now dominates.
        int twoPeriodsLater = 2 * (int)(WriteDevice.AveragingPeriod.TotalMilliseconds / Quire.Internal.CacheClock.TickMilliseconds);
        lock (quiet.Lock)
        {
            device.AddPagesWrittenLocked(quiet, 300, twoPeriodsLater);
        }

        Assert.Equal((25.0 + 300) / (100 + 300), device.WriteoutShare(quiet, twoPeriodsLater), 1e-9);
        Assert.Equal(1.0 / 3, device.WriteoutShare(busy, twoPeriodsLater), 1e-9); // 75 of 400, below fair
    }

    [Fact]
    public void FilesOfOneFileSystemShareADeviceAndStoresOfTheirOwnDoNot()
    {
        using var directory = new TempDirectory();
        using var cache = QuietCaches.Create();
        using CachedFile a = cache.Open(Path.Combine(directory.Path, "a"));
        using CachedFile b = cache.Open(Path.Combine(directory.Path, "b"));
        using CachedFile c = cache.Open(new MemoryBackingStore());
        using CachedFile d = cache.Open(new MemoryBackingStore());

        Assert.Same(a.FileObject.Device, b.FileObject.Device);
        Assert.NotSame(c.FileObject.Device, d.FileObject.Device);
        Assert.NotSame(a.FileObject.Device, c.FileObject.Device);
        Assert.Equal(2, a.FileObject.Device.FileCount);
    }

    private static FileObject NewFile(WriteDevice device) => new(1, new object(), new MemoryBackingStore(), isWritable: true, size: 0, device);

    private static void Write(WriteDevice device, FileObject file, int pages)
    {
        lock (file.Lock)
        {
            device.AddPagesWrittenLocked(file, pages, nowTick: 0);
        }
    }
}
