// FrameReservation: the frames one write allocated up front for the pages it will insert, so it
// fails before changing anything if the pool cannot supply them (Haiku's page reservation).
//
// Locking: owned by one writer thread; no sharing.
// Invariants: every frame not yet taken is held Exclusive by the writer, unpublished, and is
// freed by FreeUnused when the write ends, whether it succeeded or not.

namespace Quire.Paging;

internal sealed class FrameReservation(int count)
{
    private int _taken; // frames handed out, a prefix of Frames

    public int[] Frames { get; } = new int[count];

    /// <summary>Takes a reserved frame, or returns null when all were taken.</summary>
    public int? TryTake() => _taken < Frames.Length ? Frames[_taken++] : null;

    /// <summary>Puts back a frame taken but not used (a race inserted the page first).</summary>
    public bool TryGiveBack(int frame)
    {
        if (_taken == 0 || Frames[_taken - 1] != frame)
        {
            return false;
        }

        _taken--;
        return true;
    }

    /// <summary>Frees the frames the write did not use.</summary>
    public void FreeUnused(PageAllocator allocator)
    {
        for (int i = _taken; i < Frames.Length; i++)
        {
            allocator.Free(Frames[i]);
        }

        _taken = Frames.Length;
    }
}
