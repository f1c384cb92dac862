// Proves the counts that steer writeback add and subtract exactly, and derive pages to write and
// pages not durable from the three gauges, and say a writer waited recently while one is paused
// and for one tick after its pause ended, and a flush recent while one runs and for one tick after,
// by driving a fresh WritebackCounts directly.

using Quire.Files;

namespace Quire.Tests.Files;

public sealed class WritebackCountsTests
{
    [Fact]
    public void GaugesAddAndSubtractAndTheSumsFollow()
    {
        var counts = new WritebackCounts();

        counts.AddDirtyPages(3);
        counts.AddDirtyPages(-1);
        counts.AddWritebackPages(2);
        counts.AddUnsyncedPages(5);
        counts.AddUnsyncedPages(-4);
        counts.AddThrottledWriters(2);
        counts.AddThrottledWriters(-1);
        counts.AddForegroundIos(1);
        counts.AddFlushesWaitedFor(1);
        counts.AddFlushesWaitedFor(1);
        counts.AddFlushesWaitedFor(-1);

        Assert.Equal((2, 2, 1), (counts.DirtyPages, counts.WritebackPages, counts.UnsyncedPages));
        Assert.Equal(4, counts.PagesToWrite);
        Assert.Equal(5, counts.NotDurablePages);
        Assert.Equal((1, 2, 1), (counts.ThrottledWriters, counts.ForegroundIos, counts.FlushesWaitedFor)); // a flush is a foreground I/O too
    }

    [Fact]
    public void AWriterWaitedRecentlyWhilePausedAndForOneTickAfter()
    {
        var counts = new WritebackCounts();
        Assert.False(counts.WritersWaitedRecently(0), "No writer was ever paused.");

        counts.AddThrottledWriters(1);
        Assert.True(counts.WritersWaitedRecently(500));

        counts.AddThrottledWriters(-1);
        counts.NotePauseEnded(500);
        Assert.True(counts.WritersWaitedRecently(500));
        Assert.True(counts.WritersWaitedRecently(501));
        Assert.False(counts.WritersWaitedRecently(502));
    }

    [Fact]
    public void AFlushWasRecentWhileInProgressAndForOneTickAfter()
    {
        var counts = new WritebackCounts();
        Assert.False(counts.FlushedRecently(0), "No flush ever ran.");

        counts.AddFlushesWaitedFor(1);
        Assert.True(counts.FlushedRecently(900));

        counts.AddFlushesWaitedFor(-1);
        counts.NoteFlushEnded(900);
        Assert.True(counts.FlushedRecently(901));
        Assert.False(counts.FlushedRecently(902));
    }
}
