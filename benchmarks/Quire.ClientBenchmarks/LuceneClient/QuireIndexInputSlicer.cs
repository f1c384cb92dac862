// QuireIndexInputSlicer: what Lucene 4.8 opens to read a compound file (.cfs): one handle, from
// which inputs over the compound file's parts are cut. The slices do not own the handle; the
// slicer does, and closes it when Lucene disposes the slicer.
//
// Locking: none of its own; slices read the thread-safe handle positionally.

using Lucene.Net.Store;

namespace Quire.ClientBenchmarks.LuceneClient;

internal sealed class QuireIndexInputSlicer(string name, CachedFile file, IOContext context, Action onDispose) : Lucene.Net.Store.Directory.IndexInputSlicer
{
    private bool _disposed;

    public override IndexInput OpenSlice(string sliceDescription, long offset, long length) =>
        new QuireIndexInput($"QuireIndexInput({sliceDescription} in {name} [slice={offset}:{offset + length}])", file, offset, length, context, onDispose: null);

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
