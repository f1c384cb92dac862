// PageRun: a run of consecutive resident pages of one file with one hotness, as a saved resident
// set stores them (run-length encoded).
//
// Locking: immutable.

namespace Quire.Restart;

/// <summary>The pages [<see cref="FirstPage"/>, <see cref="FirstPage"/> + <see cref="PageCount"/>), all of <see cref="Hotness"/>.</summary>
internal readonly record struct PageRun(long FirstPage, int PageCount, PageHotness Hotness)
{
    /// <summary>The page after the run.</summary>
    public long EndPage => FirstPage + PageCount;
}
