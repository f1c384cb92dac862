// ResidentFile: one file of a saved resident set: the path it was opened by, what a stat said of it
// when the set was saved (identity, size, modification time: how a reload tells the file is the
// same one), and its resident pages as runs in page order.
//
// Locking: immutable once built.

using Quire.Files;

namespace Quire.Restart;

/// <summary>A file of a resident set; <see cref="Runs"/> are sorted by page and do not overlap.</summary>
internal sealed record ResidentFile(string Path, FileIdentity Identity, long SizeBytes, long ModifiedNanoseconds, PageRun[] Runs)
{
    /// <summary>The pages of every run.</summary>
    public long PageCount => Runs.Sum(run => (long)run.PageCount);

    /// <summary>The pages of the runs hotter than <see cref="PageHotness.Cold"/>.</summary>
    public long HotPageCount => Runs.Where(run => run.Hotness > PageHotness.Cold).Sum(run => (long)run.PageCount);
}
