// FrameMetadata: the 64 bytes the cache keeps per frame, one cache line each.
//
// Guard legend (used on fields throughout the cache):
//   (A) atomic: changed only with Interlocked operations.
//   (X) the frame's exclusive owner (PageState.Exclusive holder, or the allocator before the
//       frame is published in a page index); readable by anyone holding the frame.
//   (M) the frame's meta lock (PageState.MetaLock), a bit spin lock held for a few instructions.
//   (Q) the PageQueues lock.
//   (F) the owning file object's lock.
// Invariants: a frame with FileId == FreeFileId is on the free queue and holds no page; a frame
// holding a page (FileId, PageNumber) is in that file's page index unless PageState.Doomed is set.

using System.Runtime.InteropServices;

namespace Quire.Frames;

[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct FrameMetadata
{
    /// <summary>The FileId of a frame that holds no page.</summary>
    public const int FreeFileId = -1;

    /// <summary>(A) The PageState word: hold counts, flags and the queue the frame is on.</summary>
    [FieldOffset(0)]
    public int State;

    /// <summary>(X) The id of the file object whose page the frame holds, or <see cref="FreeFileId"/>.</summary>
    [FieldOffset(4)]
    public int FileId;

    /// <summary>(X) The page number (file offset / page size) of the page the frame holds.</summary>
    [FieldOffset(8)]
    public long PageNumber;

    /// <summary>(X, M) One bit per 512-byte sector whose bytes are valid (match the store or are newer).</summary>
    [FieldOffset(16)]
    public UInt128 ValidSectors;

    /// <summary>(M) One bit per 512-byte sector written since the page was last cleaned; always a subset of ValidSectors.</summary>
    [FieldOffset(32)]
    public UInt128 DirtySectors;

    /// <summary>(Q) The previous frame on the frame's queue, or -1.</summary>
    [FieldOffset(48)]
    public int QueuePrevious;

    /// <summary>(Q) The next frame on the frame's queue, or -1.</summary>
    [FieldOffset(52)]
    public int QueueNext;

    /// <summary>(M) When the page went from clean to dirty, in 10 ms ticks of the cache's clock (used by expiry).</summary>
    [FieldOffset(56)]
    public int DirtiedAtTick;

    /// <summary>(F) The file's sync generation current when the page's last write reached the store.</summary>
    [FieldOffset(60)]
    public int SyncGeneration;
}
