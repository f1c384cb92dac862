// FlushAllCursors: FlushAll's own error cursors, one per file object, so the cache-wide flush
// reports each error epoch once through cursors of its own and never consumes a handle's (P3).
//
// Locking: _lock guards the cursors; taken before a file's lock (LockRank.FlushAllCursors).
// Invariants: a file object that left the file table has no cursor here (Forget).

using Quire.Files;
using Quire.Internal;

namespace Quire;

internal sealed class FlushAllCursors
{
    private readonly Lock _lock = new();
    private readonly Dictionary<FileObject, int> _cursors = []; // (_lock)

    /// <summary>
    /// Adds to <paramref name="errors"/> the error epoch each file has not yet reported to FlushAll
    /// (a failure of the page writer or of another handle's flush), unless FlushAll's own flush of
    /// that file failed and reported it already; every cursor moves past what it has seen.
    /// </summary>
    public void AddEpochs(FileObject[] files, List<Exception> errors)
    {
        foreach (FileObject file in files)
        {
            bool reportedOwnFailure = errors.OfType<WritebackFailedException>().Any(e => e.FileName == file.Name);
            WritebackFailedException? epoch;
            using (LockOrder.Enter(_lock, LockRank.FlushAllCursors))
            {
                int cursor = _cursors.GetValueOrDefault(file);
                using (LockOrder.Enter(file.Lock, LockRank.FileObject))
                {
                    epoch = file.Errors.ConsumeForCacheLocked(ref cursor);
                }

                _cursors[file] = cursor;
            }

            if (epoch is not null && !reportedOwnFailure)
            {
                errors.Add(epoch);
            }
        }
    }

    /// <summary>Drops the cursor of a file object that left the file table.</summary>
    public void Forget(FileObject file)
    {
        using (LockOrder.Enter(_lock, LockRank.FlushAllCursors))
        {
            _cursors.Remove(file);
        }
    }
}
