// LockRank: the rank of every lock and blocking gate of the cache, in the order
// docs/ARCHITECTURE.md ("Lock order") writes down, outermost first: a thread holding a lock may
// block for another only if the other ranks after it (LockOrder checks this in Debug builds).
//
// Locking: none; a rank is a constant. Invariants: the values are the documented order, 1 to 13,
// with every leaf lock at Leaf, after all of them; Count is one past the last.

namespace Quire.Internal;

internal enum LockRank
{
    /// <summary>PageWriter._passLock: one page-writer pass at a time.</summary>
    PageWriterPass = 1,

    /// <summary>PageAllocator's reservation mutex: one AllocateAll at a time.</summary>
    FrameReservation = 2,

    /// <summary>A file's store gate (Files/StoreGate), shared for I/O, exclusive for a size change or the close.</summary>
    StoreGate = 3,

    /// <summary>Page holds (Shared, Exclusive, Writeback), in page order within a file; the only rank that nests with itself.</summary>
    PageHolds = 4,

    /// <summary>FileObject.SyncLock: one durable flush of a file at a time.</summary>
    FileSync = 5,

    /// <summary>FileTable.Lock: the file table.</summary>
    FileTable = 6,

    /// <summary>FileLifecycle's lock over FlushAll's error cursors.</summary>
    FlushAllCursors = 7,

    /// <summary>FileObject.Lock: a file's page index, size, error epoch and cursors.</summary>
    FileObject = 8,

    /// <summary>A frame's meta lock: the bit spin lock over its sector bitmaps and data bits.</summary>
    MetaLock = 9,

    /// <summary>WriteDevice._lock: bandwidth samples and the writeout total.</summary>
    WriteDevice = 10,

    /// <summary>PageQueues.Lock: the page queues and the queue bits.</summary>
    PageQueues = 11,

    /// <summary>A PageWaitTable bucket's monitor.</summary>
    PageWaitBucket = 12,

    /// <summary>PageAllocator's frame-freed monitor.</summary>
    FrameFreed = 13,

    /// <summary>A leaf lock: taken under any of the above, holding nothing while it is held.</summary>
    Leaf = 14,

    /// <summary>One past the last rank: the size of a table indexed by rank.</summary>
    Count = 15,
}
