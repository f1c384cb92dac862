// Proves the radix page index finds, orders, tags and removes pages exactly as a sorted map
// would: hand-picked cases at node and height boundaries, then FsCheck sequences of random
// operations compared step by step with a SortedDictionary model (the seed is in the failure).
// The Locked methods assert no lock, so the tests call them directly.

using System.Collections;
using System.Reflection;
using FsCheck;
using FsCheck.Fluent;
using Quire.Files;

namespace Quire.Tests.Files;

public sealed class PageIndexTests
{
    private const long LargestPage = long.MaxValue >> 12;
    private static readonly PageTag[] s_tags = [PageTag.Dirty, PageTag.Writeback, PageTag.Unsynced];

    [Fact]
    public void EmptyIndexFindsNothing()
    {
        var index = new PageIndex();

        Assert.Equal(0, index.Count);
        Assert.Equal(-1, index.Lookup(0));
        Assert.Equal(-1, index.Lookup(LargestPage));
        Assert.False(index.FindNextLocked(0, long.MaxValue, null, out _, out _));
        Assert.Equal(-1, index.RemoveLocked(7));
        Assert.False(index.AnyTaggedLocked(PageTag.Dirty));
        Assert.False(index.HasTagLocked(0, PageTag.Dirty));
        index.ClearTagLocked(3, PageTag.Dirty);
        index.AssertInvariantsLocked();
    }

    [Fact]
    public void InsertedPagesAreFoundAndOthersAreNot()
    {
        var index = new PageIndex();
        long[] pages = [0, 1, 63, 64, 65, 4095, 4096, 262_143, 262_144];
        for (int i = 0; i < pages.Length; i++)
        {
            index.InsertLocked(pages[i], i);
        }

        for (int i = 0; i < pages.Length; i++)
        {
            Assert.Equal(i, index.Lookup(pages[i]));
        }

        Assert.Equal(pages.Length, index.Count);
        Assert.Equal(-1, index.Lookup(2));
        Assert.Equal(-1, index.Lookup(262_145));
        Assert.Equal(-1, index.Lookup(LargestPage));
        index.AssertInvariantsLocked();
    }

    [Fact]
    public void FrameZeroAndTheLargestFrameAreStoredExactly()
    {
        var index = new PageIndex();
        index.InsertLocked(5, 0);
        index.InsertLocked(6, int.MaxValue - 1);

        Assert.Equal(0, index.Lookup(5));
        Assert.Equal(int.MaxValue - 1, index.Lookup(6));
        Assert.True(index.FindNextLocked(6, 7, null, out long page, out int frame));
        Assert.Equal((6L, int.MaxValue - 1), (page, frame));
    }

    [Fact]
    public void IndexGrowsTallerForLargePageNumbersAndKeepsTheSmallOnes()
    {
        var index = new PageIndex();
        index.InsertLocked(3, 30);
        Assert.Equal(1, Levels(index));

        index.InsertLocked(64, 640);
        Assert.Equal(2, Levels(index));

        index.InsertLocked(LargestPage, 99);
        Assert.Equal(9, Levels(index)); // 51 bits of page number, 6 bits per level

        Assert.Equal(30, index.Lookup(3));
        Assert.Equal(640, index.Lookup(64));
        Assert.Equal(99, index.Lookup(LargestPage));
        Assert.Equal(-1, index.Lookup(LargestPage - 1));
        Assert.Equal([3L, 64L, LargestPage], AllPages(index, null));
        index.AssertInvariantsLocked();
    }

    [Fact]
    public void GrowingKeepsTheTagsOfTheOldRoot()
    {
        var index = new PageIndex();
        index.InsertLocked(2, 20);
        index.SetTagLocked(2, PageTag.Dirty);

        index.InsertLocked(1L << 40, 40);

        Assert.True(index.AnyTaggedLocked(PageTag.Dirty));
        Assert.True(index.HasTagLocked(2, PageTag.Dirty));
        Assert.True(index.FindNextLocked(0, long.MaxValue, PageTag.Dirty, out long page, out _));
        Assert.Equal(2, page);
        index.AssertInvariantsLocked();
    }

    [Fact]
    public void RemovingTheLastPageOfASubtreeFreesItsNodes()
    {
        // The height stays (it never shrinks); what must go are the nodes only 1_000_000 used.
        var index = new PageIndex();
        index.InsertLocked(0, 1);
        index.InsertLocked(1_000_000, 2);
        Assert.Equal(4, Levels(index));
        Assert.Equal(7, CountNodes(index)); // a shared root, then three nodes on each page's path

        Assert.Equal(2, index.RemoveLocked(1_000_000));

        Assert.Equal(4, CountNodes(index)); // one node per level on page 0's path
        Assert.Equal(1, index.Lookup(0));
        Assert.Equal(-1, index.Lookup(1_000_000));
        index.AssertInvariantsLocked();
    }

    [Fact]
    public void RemovingEveryPageEmptiesTheIndexAndItCanBeFilledAgain()
    {
        var index = new PageIndex();
        long[] pages = [0, 77, 1L << 20, LargestPage];
        foreach (long page in pages)
        {
            index.InsertLocked(page, (int)(page % 1000));
            index.SetTagLocked(page, PageTag.Unsynced);
        }

        foreach (long page in pages)
        {
            Assert.Equal((int)(page % 1000), index.RemoveLocked(page));
        }

        Assert.Equal(0, index.Count);
        Assert.Equal(0, CountNodes(index));
        Assert.False(index.AnyTaggedLocked(PageTag.Unsynced));
        Assert.False(index.FindNextLocked(0, long.MaxValue, null, out _, out _));
        index.AssertInvariantsLocked();

        index.InsertLocked(77, 5);
        Assert.Equal(5, index.Lookup(77));
        Assert.Equal(1, index.Count);
        index.AssertInvariantsLocked();
    }

    [Fact]
    public void RemovingAnAbsentPageChangesNothing()
    {
        var index = new PageIndex();
        index.InsertLocked(10, 1);

        Assert.Equal(-1, index.RemoveLocked(11));
        Assert.Equal(-1, index.RemoveLocked(10_000));
        Assert.Equal(-1, index.RemoveLocked(LargestPage));

        Assert.Equal(1, index.Count);
        Assert.Equal(1, index.Lookup(10));
        index.AssertInvariantsLocked();
    }

    [Fact]
    public void FindNextVisitsPagesInOrderWithinTheRange()
    {
        var index = new PageIndex();
        long[] pages = [900_000, 5, 64, 63, 4096, 1L << 33];
        foreach (long page in pages)
        {
            index.InsertLocked(page, (int)(page & 0xFFFF));
        }

        Assert.Equal([5L, 63L, 64L, 4096L, 900_000L, 1L << 33], AllPages(index, null));
        Assert.True(index.FindNextLocked(6, 64, null, out long page1, out int frame1));
        Assert.Equal((63L, 63), (page1, frame1));
        Assert.False(index.FindNextLocked(65, 4096, null, out _, out _));
        Assert.True(index.FindNextLocked(4096, 4097, null, out long page2, out _));
        Assert.Equal(4096, page2);
        Assert.True(index.FindNextLocked(900_001, long.MaxValue, null, out long page3, out _));
        Assert.Equal(1L << 33, page3);
    }

    [Fact]
    public void FindNextWithAnEmptyRangeFindsNothing()
    {
        var index = new PageIndex();
        index.InsertLocked(4, 4);

        Assert.False(index.FindNextLocked(4, 4, null, out long page, out int frame));
        Assert.Equal((-1L, -1), (page, frame));
        Assert.False(index.FindNextLocked(9, 2, null, out _, out _));
    }

    [Fact]
    public void FindNextWithATagSkipsUntaggedPages()
    {
        var index = new PageIndex();
        for (long resident = 0; resident < 200; resident++)
        {
            index.InsertLocked(resident, (int)resident);
        }

        index.InsertLocked(1L << 30, 7);
        index.SetTagLocked(3, PageTag.Dirty);
        index.SetTagLocked(150, PageTag.Dirty);
        index.SetTagLocked(1L << 30, PageTag.Dirty);
        index.SetTagLocked(100, PageTag.Writeback);

        Assert.Equal([3L, 150L, 1L << 30], AllPages(index, PageTag.Dirty));
        Assert.Equal([100L], AllPages(index, PageTag.Writeback));
        Assert.Empty(AllPages(index, PageTag.Unsynced));
        Assert.True(index.FindNextLocked(4, 150, PageTag.Writeback, out long page, out int frame));
        Assert.Equal((100L, 100), (page, frame));
        Assert.False(index.FindNextLocked(4, 150, PageTag.Dirty, out _, out _));
        index.AssertInvariantsLocked();
    }

    [Fact]
    public void ClearingATagKeepsTheSummaryOfTaggedNeighbours()
    {
        var index = new PageIndex();
        index.InsertLocked(1, 1);
        index.InsertLocked(2, 2);
        index.InsertLocked(5000, 3);
        index.SetTagLocked(1, PageTag.Dirty);
        index.SetTagLocked(2, PageTag.Dirty);
        index.SetTagLocked(5000, PageTag.Dirty);

        index.ClearTagLocked(1, PageTag.Dirty);
        Assert.False(index.HasTagLocked(1, PageTag.Dirty));
        Assert.Equal([2L, 5000L], AllPages(index, PageTag.Dirty));
        index.AssertInvariantsLocked();

        index.ClearTagLocked(5000, PageTag.Dirty);
        Assert.Equal([2L], AllPages(index, PageTag.Dirty));
        index.AssertInvariantsLocked();

        index.ClearTagLocked(2, PageTag.Dirty);
        Assert.False(index.AnyTaggedLocked(PageTag.Dirty));
        Assert.Equal(3, index.Count);
        index.AssertInvariantsLocked();
    }

    [Fact]
    public void ClearingATagTwiceOrOnAnAbsentPageIsHarmless()
    {
        var index = new PageIndex();
        index.InsertLocked(9, 9);
        index.SetTagLocked(9, PageTag.Unsynced);

        index.ClearTagLocked(9, PageTag.Unsynced);
        index.ClearTagLocked(9, PageTag.Unsynced);
        index.ClearTagLocked(10, PageTag.Unsynced);
        index.ClearTagLocked(1L << 40, PageTag.Unsynced);

        Assert.False(index.AnyTaggedLocked(PageTag.Unsynced));
        Assert.Equal(9, index.Lookup(9));
        index.AssertInvariantsLocked();
    }

    [Fact]
    public void TagsAreIndependentOfEachOther()
    {
        var index = new PageIndex();
        index.InsertLocked(8, 8);
        index.SetTagLocked(8, PageTag.Dirty);
        index.SetTagLocked(8, PageTag.Unsynced);

        index.ClearTagLocked(8, PageTag.Dirty);

        Assert.False(index.HasTagLocked(8, PageTag.Dirty));
        Assert.False(index.HasTagLocked(8, PageTag.Writeback));
        Assert.True(index.HasTagLocked(8, PageTag.Unsynced));
        Assert.True(index.AnyTaggedLocked(PageTag.Unsynced));
        Assert.False(index.AnyTaggedLocked(PageTag.Dirty));
    }

    [Fact]
    public void RemovingATaggedPageRemovesItsTags()
    {
        var index = new PageIndex();
        index.InsertLocked(300, 1);
        index.InsertLocked(301, 2);
        index.SetTagLocked(300, PageTag.Writeback);

        index.RemoveLocked(300);

        Assert.False(index.AnyTaggedLocked(PageTag.Writeback));
        Assert.Empty(AllPages(index, PageTag.Writeback));
        index.InsertLocked(300, 3);
        Assert.False(index.HasTagLocked(300, PageTag.Writeback));
        index.AssertInvariantsLocked();
    }

    [Fact]
    public void RandomOperationsMatchASortedDictionaryModel()
    {
        Gen<IndexOperation> operations = OperationGen();
        Check.One(
            Config.QuickThrowOnFailure.WithQuietOnSuccess(true).WithMaxTest(80),
            Prop.ForAll(operations.ListOf().ToArbitrary(), (List<IndexOperation> sequence) => RunAgainstModel(sequence)));
    }

    [Fact]
    public void RandomOperationsOnFewDensePagesMatchASortedDictionaryModel()
    {
        // Few pages, many operations on each: exercises the tag summaries of shared nodes.
        Gen<IndexOperation> operations = OperationGen(Gen.Choose(0, 140).Select(p => (long)p));
        Check.One(
            Config.QuickThrowOnFailure.WithQuietOnSuccess(true).WithMaxTest(50).WithEndSize(200),
            Prop.ForAll(operations.ListOf().ToArbitrary(), (List<IndexOperation> sequence) => RunAgainstModel(sequence)));
    }

    private static Gen<IndexOperation> OperationGen(Gen<long>? pages = null)
    {
        long[] bases = [0, 60, 4030, 262_100, 1L << 24, (1L << 36) - 30, 1L << 42, 1L << 48, LargestPage - 70];
        Gen<long> pageGen = pages ?? Gen.Elements(bases).SelectMany(b => Gen.Choose(0, 70).Select(d => Math.Min(b + d, LargestPage)));
        Gen<PageTag?> tagGen = Gen.Elements<PageTag?>(null, PageTag.Dirty, PageTag.Writeback, PageTag.Unsynced);
        Gen<OperationKind> kindGen = Gen.Frequency(
            (5, Gen.Constant(OperationKind.Insert)),
            (2, Gen.Constant(OperationKind.Remove)),
            (3, Gen.Constant(OperationKind.SetTag)),
            (2, Gen.Constant(OperationKind.ClearTag)),
            (3, Gen.Constant(OperationKind.FindNext)));
        return from kind in kindGen
               from page in pageGen
               from other in pageGen
               from tag in tagGen
               select new IndexOperation(kind, page, other, tag);
    }

    private static bool RunAgainstModel(List<IndexOperation> sequence)
    {
        var index = new PageIndex();
        var model = new SortedDictionary<long, (int Frame, bool[] Tags)>();
        int nextFrame = 0;
        for (int step = 0; step < sequence.Count; step++)
        {
            IndexOperation op = sequence[step];
            string where = $"step {step} ({op}) of [{string.Join(", ", sequence)}]";
            PageTag tag = op.Tag ?? PageTag.Dirty;
            switch (op.Kind)
            {
                case OperationKind.Insert when !model.ContainsKey(op.Page):
                    index.InsertLocked(op.Page, nextFrame);
                    model[op.Page] = (nextFrame++, new bool[3]);
                    break;
                case OperationKind.Remove:
                    int expected = model.TryGetValue(op.Page, out var removed) ? removed.Frame : -1;
                    Assert.True(expected == index.RemoveLocked(op.Page), where);
                    model.Remove(op.Page);
                    break;
                case OperationKind.SetTag when model.TryGetValue(op.Page, out var tagged):
                    index.SetTagLocked(op.Page, tag);
                    tagged.Tags[(int)tag] = true;
                    break;
                case OperationKind.ClearTag:
                    index.ClearTagLocked(op.Page, tag);
                    if (model.TryGetValue(op.Page, out var cleared))
                    {
                        cleared.Tags[(int)tag] = false;
                    }

                    break;
                case OperationKind.FindNext:
                    long from = Math.Min(op.Page, op.OtherPage);
                    long to = Math.Max(op.Page, op.OtherPage) + 1;
                    bool found = index.FindNextLocked(from, to, op.Tag, out long page, out int frame);
                    var hit = model.FirstOrDefault(p => p.Key >= from && p.Key < to && (op.Tag is null || p.Value.Tags[(int)op.Tag]));
                    bool modelFound = hit.Value.Tags is not null;
                    Assert.True(modelFound == found, where);
                    if (found)
                    {
                        Assert.True(hit.Key == page && hit.Value.Frame == frame, where);
                    }

                    break;
            }

            Assert.True(model.Count == index.Count, where);
            int lookedUp = index.Lookup(op.Page);
            Assert.True((model.TryGetValue(op.Page, out var entry) ? entry.Frame : -1) == lookedUp, where);
            foreach (PageTag t in s_tags)
            {
                Assert.True(model.Values.Any(v => v.Tags[(int)t]) == index.AnyTaggedLocked(t), where);
                Assert.True((entry.Tags?[(int)t] ?? false) == index.HasTagLocked(op.Page, t), where);
            }

            index.AssertInvariantsLocked();
        }

        Assert.Equal(model.Keys, AllPages(index, null));
        foreach (PageTag t in s_tags)
        {
            Assert.Equal(model.Where(p => p.Value.Tags[(int)t]).Select(p => p.Key), AllPages(index, t));
        }

        foreach ((long page, (int frame, _)) in model)
        {
            Assert.Equal(frame, index.Lookup(page));
        }

        return true;
    }

    private static List<long> AllPages(PageIndex index, PageTag? tag)
    {
        var pages = new List<long>();
        long cursor = 0;
        while (index.FindNextLocked(cursor, long.MaxValue, tag, out long page, out _))
        {
            pages.Add(page);
            cursor = page + 1;
        }

        return pages;
    }

    private static object Root(PageIndex index) =>
        typeof(PageIndex).GetField("_root", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(index)!;

    private static int Levels(PageIndex index)
    {
        object root = Root(index);
        return (int)root.GetType().GetProperty("Levels")!.GetValue(root)!;
    }

    /// <summary>Counts the nodes reachable from the root, by reflection: removal must unlink empty ones.</summary>
    private static int CountNodes(PageIndex index)
    {
        object root = Root(index);
        return CountNodes(root.GetType().GetProperty("Node")!.GetValue(root));
    }

    private static int CountNodes(object? node)
    {
        if (node is null)
        {
            return 0;
        }

        int count = 1;
        if (node.GetType().GetField("Children")!.GetValue(node) is IEnumerable children)
        {
            foreach (object? child in children)
            {
                count += CountNodes(child);
            }
        }

        return count;
    }

    internal enum OperationKind
    {
        Insert,
        Remove,
        SetTag,
        ClearTag,
        FindNext,
    }

    internal readonly record struct IndexOperation(OperationKind Kind, long Page, long OtherPage, PageTag? Tag);
}
