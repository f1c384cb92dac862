// PageIndex: a file object's ordered index of its resident pages, keyed by page number: a
// radix tree of 64-way nodes with per-slot tags (PageTag), as Linux indexes a mapping's pages.
//
// Locking: the owning file object's lock (F) guards every change. Lookup takes no lock: slots are
// published with release writes and read with acquire reads, and nodes are garbage-collected, so
// a reader racing with a removal sees either the frame or nothing, never freed memory; the frame
// it sees may already hold another page, which is why callers verify identity under a hold
// (PageState rule 1).
// Costs: lookup, insert and remove are O(height), at most 9 levels for 4 KiB pages of the largest
// file; FindNext skips empty and untagged subtrees, so iterating a range costs what the file has
// resident (or tagged) there, never what the pool holds.
// Invariants: a node's Present bit i is set iff slot i is occupied; an interior node's tag bit i is
// set iff child i has that tag anywhere below it; a leaf's tags are set only on present slots.

using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Quire.Files;

internal sealed class PageIndex
{
    private const int BitsPerLevel = 6;
    private const int Fanout = 1 << BitsPerLevel;
    private const int SlotMask = Fanout - 1;
    private const int TagCount = 3;
    private const int MaxLevels = (63 + BitsPerLevel - 1) / BitsPerLevel;

    private Root _root = new(null, 1); // (F) replaced, never mutated; read lock-free

    /// <summary>(F) The number of pages in the index.</summary>
    public int Count { get; private set; }

    /// <summary>Finds the frame holding <paramref name="pageNumber"/>, or -1. Takes no lock.</summary>
    public int Lookup(long pageNumber)
    {
        Root root = Volatile.Read(ref _root);
        Node? node = root.Node;
        if (node is null || !Fits(pageNumber, root.Levels))
        {
            return -1;
        }

        for (int shift = (root.Levels - 1) * BitsPerLevel; shift > 0; shift -= BitsPerLevel)
        {
            node = Volatile.Read(ref node.Children![(int)(pageNumber >> shift) & SlotMask]);
            if (node is null)
            {
                return -1;
            }
        }

        return Volatile.Read(ref node.Frames[(int)pageNumber & SlotMask]) - 1;
    }

    /// <summary>Adds <paramref name="pageNumber"/> held by <paramref name="frame"/>; the slot must be empty.</summary>
    public void InsertLocked(long pageNumber, int frame)
    {
        Debug.Assert(pageNumber >= 0, "Page numbers are non-negative.");
        Debug.Assert(frame >= 0, "Frames are non-negative.");
        Root root = _root;
        while (!Fits(pageNumber, root.Levels))
        {
            Node? grown = null;
            if (root.Node is not null)
            {
                grown = new Node(leaf: false);
                grown.Children![0] = root.Node;
                grown.Present = 1;
                for (int tag = 0; tag < TagCount; tag++)
                {
                    grown.Tags[tag] = root.Node.Tags[tag] != 0 ? 1UL : 0UL;
                }
            }

            root = new Root(grown, root.Levels + 1);
        }

        if (root.Node is null)
        {
            root = new Root(new Node(leaf: root.Levels == 1), root.Levels);
        }

        Node node = root.Node!;
        for (int shift = (root.Levels - 1) * BitsPerLevel; shift > 0; shift -= BitsPerLevel)
        {
            int slot = (int)(pageNumber >> shift) & SlotMask;
            Node? child = node.Children![slot];
            if (child is null)
            {
                child = new Node(leaf: shift == BitsPerLevel);
                Volatile.Write(ref node.Children[slot], child);
                node.Present |= 1UL << slot;
            }

            node = child;
        }

        int leafSlot = (int)pageNumber & SlotMask;
        Debug.Assert(node.Frames[leafSlot] == 0, $"Page {pageNumber} is not in the index yet.");
        Volatile.Write(ref node.Frames[leafSlot], frame + 1);
        node.Present |= 1UL << leafSlot;
        Count++;
        if (!ReferenceEquals(root, _root))
        {
            Volatile.Write(ref _root, root);
        }
    }

    /// <summary>Removes <paramref name="pageNumber"/> and its tags; returns the frame that held it, or -1.</summary>
    public int RemoveLocked(long pageNumber)
    {
        var pathStorage = default(NodePath);
        Span<Node> path = pathStorage;
        int depth = Walk(pageNumber, path);
        if (depth < 0)
        {
            return -1;
        }

        Node leaf = path[depth];
        int leafSlot = (int)pageNumber & SlotMask;
        int frame = leaf.Frames[leafSlot] - 1;
        if (frame < 0)
        {
            return -1;
        }

        Volatile.Write(ref leaf.Frames[leafSlot], 0);
        leaf.Present &= ~(1UL << leafSlot);
        for (int tag = 0; tag < TagCount; tag++)
        {
            leaf.Tags[tag] &= ~(1UL << leafSlot);
        }

        Count--;
        for (int level = depth; level > 0; level--)
        {
            Node child = path[level];
            Node parent = path[level - 1];
            int slot = SlotOf(pageNumber, depth - level + 1);
            if (child.Present == 0)
            {
                Volatile.Write(ref parent.Children![slot], null);
                parent.Present &= ~(1UL << slot);
            }

            for (int tag = 0; tag < TagCount; tag++)
            {
                if (child.Tags[tag] == 0)
                {
                    parent.Tags[tag] &= ~(1UL << slot);
                }
            }
        }

        if (path[0].Present == 0)
        {
            Volatile.Write(ref _root, new Root(null, _root.Levels));
        }

        return frame;
    }

    /// <summary>Tags a page that is in the index.</summary>
    public void SetTagLocked(long pageNumber, PageTag tag)
    {
        var pathStorage = default(NodePath);
        Span<Node> path = pathStorage;
        int depth = Walk(pageNumber, path);
        Debug.Assert(depth >= 0 && path[depth].Frames[(int)pageNumber & SlotMask] != 0, $"Page {pageNumber} is in the index when tagged.");
        for (int level = depth; level >= 0; level--)
        {
            path[level].Tags[(int)tag] |= 1UL << SlotOf(pageNumber, depth - level);
        }
    }

    /// <summary>Removes a tag from a page; does nothing if the page is absent or untagged.</summary>
    public void ClearTagLocked(long pageNumber, PageTag tag)
    {
        var pathStorage = default(NodePath);
        Span<Node> path = pathStorage;
        int depth = Walk(pageNumber, path);
        if (depth < 0)
        {
            return;
        }

        for (int level = depth; level >= 0; level--)
        {
            ulong bit = 1UL << SlotOf(pageNumber, depth - level);
            if (level < depth && path[level + 1].Tags[(int)tag] != 0)
            {
                break;
            }

            path[level].Tags[(int)tag] &= ~bit;
        }
    }

    /// <summary>Whether a page is in the index and has <paramref name="tag"/>.</summary>
    public bool HasTagLocked(long pageNumber, PageTag tag)
    {
        var pathStorage = default(NodePath);
        Span<Node> path = pathStorage;
        int depth = Walk(pageNumber, path);
        return depth >= 0 && (path[depth].Tags[(int)tag] & (1UL << ((int)pageNumber & SlotMask))) != 0;
    }

    /// <summary>Whether any page in the index has <paramref name="tag"/>.</summary>
    public bool AnyTaggedLocked(PageTag tag) => _root.Node is { } node && node.Tags[(int)tag] != 0;

    /// <summary>
    /// Finds the first page in [<paramref name="fromPage"/>, <paramref name="toPage"/>) that is in the
    /// index (and has <paramref name="tag"/>, when given), in page order.
    /// </summary>
    public bool FindNextLocked(long fromPage, long toPage, PageTag? tag, out long pageNumber, out int frame)
    {
        pageNumber = -1;
        frame = -1;
        Root root = _root;
        if (root.Node is null || fromPage >= toPage)
        {
            return false;
        }

        if (!Fits(fromPage, root.Levels))
        {
            return false;
        }

        return FindNext(root.Node, (root.Levels - 1) * BitsPerLevel, 0, fromPage, toPage, tag, ref pageNumber, ref frame);
    }

    [Conditional("DEBUG")]
    public void AssertInvariantsLocked()
    {
        if (_root.Node is { } node)
        {
            int count = CountAndCheck(node, (_root.Levels - 1) * BitsPerLevel);
            Debug.Assert(count == Count, "The index's count matches its leaves.");
        }
        else
        {
            Debug.Assert(Count == 0, "An empty index counts no pages.");
        }
    }

    private static bool FindNext(Node node, int shift, long baseKey, long from, long to, PageTag? tag, ref long pageNumber, ref int frame)
    {
        int startSlot = from > baseKey ? (int)Math.Min((from - baseKey) >> shift, Fanout) : 0;
        if (startSlot >= Fanout)
        {
            return false;
        }

        ulong candidates = (tag is { } t ? node.Tags[(int)t] : node.Present) & (ulong.MaxValue << startSlot);
        while (candidates != 0)
        {
            int slot = BitOperations.TrailingZeroCount(candidates);
            long key = baseKey + ((long)slot << shift);
            if (key >= to)
            {
                return false;
            }

            if (shift == 0)
            {
                pageNumber = key;
                frame = node.Frames[slot] - 1;
                return true;
            }

            if (FindNext(node.Children![slot]!, shift - BitsPerLevel, key, Math.Max(from, key), to, tag, ref pageNumber, ref frame))
            {
                return true;
            }

            candidates &= candidates - 1;
        }

        return false;
    }

    private static int CountAndCheck(Node node, int shift)
    {
        int count = 0;
        ulong present = node.Present;
        for (int slot = 0; slot < Fanout; slot++)
        {
            bool isPresent = (present & (1UL << slot)) != 0;
            if (shift == 0)
            {
                Debug.Assert(isPresent == (node.Frames[slot] != 0), "A leaf's present bits match its slots.");
                count += isPresent ? 1 : 0;
                continue;
            }

            Node? child = node.Children![slot];
            Debug.Assert(isPresent == (child is not null), "An interior node's present bits match its children.");
            if (child is not null)
            {
                for (int tag = 0; tag < TagCount; tag++)
                {
                    bool tagged = (node.Tags[tag] & (1UL << slot)) != 0;
                    Debug.Assert(tagged == (child.Tags[tag] != 0), "An interior tag bit summarizes its child.");
                }

                count += CountAndCheck(child, shift - BitsPerLevel);
            }
        }

        return count;
    }

    private static bool Fits(long pageNumber, int levels) =>
        levels * BitsPerLevel >= 63 || (pageNumber >> (levels * BitsPerLevel)) == 0;

    /// <summary>The slot of <paramref name="pageNumber"/> in the node <paramref name="levelsAboveLeaf"/> levels above the leaves.</summary>
    private static int SlotOf(long pageNumber, int levelsAboveLeaf) =>
        (int)(pageNumber >> (levelsAboveLeaf * BitsPerLevel)) & SlotMask;

    /// <summary>Fills <paramref name="path"/> from the root to the leaf for a page; returns the leaf's depth, or -1.</summary>
    private int Walk(long pageNumber, Span<Node> path)
    {
        Root root = _root;
        if (root.Node is null || !Fits(pageNumber, root.Levels))
        {
            return -1;
        }

        Node node = root.Node;
        path[0] = node;
        int depth = 0;
        for (int shift = (root.Levels - 1) * BitsPerLevel; shift > 0; shift -= BitsPerLevel)
        {
            Node? child = node.Children![(int)(pageNumber >> shift) & SlotMask];
            if (child is null)
            {
                return -1;
            }

            node = child;
            path[++depth] = node;
        }

        return depth;
    }

    private sealed class Node(bool leaf)
    {
        public readonly Node?[]? Children = leaf ? null : new Node?[Fanout]; // (F) writes; lock-free reads
        public FrameSlots Frames; // (F) writes; lock-free reads; leaves only; frame + 1, 0 = empty. Inline: one cache miss less per lookup.
        public readonly ulong[] Tags = new ulong[TagCount]; // (F)
        public ulong Present; // (F)
    }

    private sealed record Root(Node? Node, int Levels);

    /// <summary>A leaf's 64 frame slots, inline in the node.</summary>
    [InlineArray(Fanout)]
    private struct FrameSlots
    {
        private int _element;
    }

    /// <summary>Room for a root-to-leaf path on the stack, so tagging a page allocates nothing.</summary>
    [InlineArray(MaxLevels)]
    private struct NodePath
    {
        private Node _element;
    }
}
