// QuireIndexInputSlicer: what Lucene 4.8 opens to read a compound file (.cfs): one handle, from
// which inputs over the compound file's parts are cut. The slices do not own the handle; the
// slicer does, and closes it when Lucene disposes the slicer (which releases any lease a slice or
// its clones still hold).
//
// Locking: none of its own; slices read the thread-safe handle positionally.

using Lucene.Net.Store;

namespace Quire.Lucene;

internal sealed class QuireIndexInputSlicer(string path, CachedFile file, Action onDispose) : global::Lucene.Net.Store.Directory.IndexInputSlicer
{
    private bool _disposed;

    public override IndexInput OpenSlice(string sliceDescription, long offset, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || length < 0 || offset > file.Length - length)
        {
            throw new ArgumentException($"The slice '{sliceDescription}' [{offset}, {offset}+{length}) does not lie within '{path}', which has {file.Length} bytes.");
        }

        return new QuireIndexInput($"QuireIndexInput({sliceDescription} in path=\"{path}\" [slice={offset}:{offset + length}])", file, offset, length, onDispose: null);
    }

    [Obsolete("Only for reading compound files of Lucene 3.x indexes; kept because the base class declares it.")]
    public override IndexInput OpenFullSlice() => OpenSlice("full", 0, file.Length);

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            onDispose();
        }
    }
}
