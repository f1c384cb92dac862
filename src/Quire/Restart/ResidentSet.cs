// ResidentSet: a description of a cache's resident pages (never their data): the page size they
// were counted in and, per file opened by path, its identity and its runs of pages. What
// ResidentSetCollector builds, ResidentSetFormat encodes and Prewarmer reads back.
//
// Locking: immutable once built.

namespace Quire.Restart;

/// <summary>A saved resident set; <see cref="PageSize"/> is the saving cache's, the unit of every run.</summary>
internal sealed record ResidentSet(int PageSize, ResidentFile[] Files)
{
    /// <summary>The pages of every file.</summary>
    public long PageCount => Files.Sum(file => file.PageCount);
}
