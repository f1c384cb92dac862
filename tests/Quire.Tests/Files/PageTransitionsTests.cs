// Proves that every page not yet durable is counted once: over random sequences of state changes
// a page is in exactly the gauge its state names (dirty before writeback before unsynced) and the
// gauges add up to one or zero, checked against a plain reading of the bits; and, through a real
// cache, a page written again while unsynced counts as dirty only, until a flush counts it as none.

using FsCheck;
using FsCheck.Fluent;
using Quire.Files;
using Quire.Frames;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Files;

public sealed class PageTransitionsTests
{
    private static readonly int[] s_bits = [PageState.Dirty, PageState.Writeback, PageState.Unsynced];

    [Fact]
    public void EveryPageCountsInExactlyTheGaugeItsStateNames()
    {
        Prop.ForAll(
            Gen.ArrayOf(Gen.Choose(0, 5)).ToArbitrary(),
            steps =>
            {
                var counts = new WritebackCounts();
                var file = new FileObject(1, "key", new MemoryBackingStore(), isWritable: true, size: 0);
                int state = 0;
                foreach (int step in steps)
                {
                    int bit = s_bits[step % 3];
                    int after = step < 3 ? state | bit : state & ~bit;
                    PageTransitions.Recount(file, counts, state, after);
                    state = after;
                }

                bool dirty = (state & PageState.Dirty) != 0;
                bool writeback = !dirty && (state & PageState.Writeback) != 0;
                bool unsynced = !dirty && !writeback && (state & PageState.Unsynced) != 0;
                return counts.DirtyPages == (dirty ? 1 : 0)
                    && counts.WritebackPages == (writeback ? 1 : 0)
                    && counts.UnsyncedPages == (unsynced ? 1 : 0)
                    && file.DirtyPageCount + file.WritebackPageCount + file.UnsyncedPageCount == (dirty || writeback || unsynced ? 1 : 0)
                    && file.PagesToWrite == (dirty || writeback ? 1 : 0)
                    && file.Device.FilesWriting == 1; // never below one, and this file's count went back to what it is
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void APageWrittenAgainWhileUnsyncedCountsOnceAsDirty()
    {
        using var cache = QuietCaches.Create();
        var store = new MemoryBackingStore();
        using CachedFile file = cache.Open(store);
        file.Write(0, new byte[QuietCaches.PageSize]);
        file.StartWriteback(0, long.MaxValue);
        cache.PageWriter.RunOnePass();
        Assert.Equal((0, 0, 1), Gauges(cache));

        file.Write(0, new byte[QuietCaches.PageSize]);
        Assert.Equal((1, 0, 0), Gauges(cache));
        Assert.Equal(1, cache.GetStatistics().NotDurablePages);

        file.Flush();
        Assert.Equal((0, 0, 0), Gauges(cache));
    }

    private static (int Dirty, int Writeback, int Unsynced) Gauges(PageCache cache)
    {
        PageCacheStatistics statistics = cache.GetStatistics();
        return (statistics.DirtyPages, statistics.WritebackPages, statistics.UnsyncedPages);
    }
}
