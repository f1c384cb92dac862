// FileTable: the open file objects, by key (full path or store instance) and by id, so that
// opening a file twice shares one file object and the reclaim scan can find a frame's file.
//
// Locking: Lock (T) guards the maps, the free ids and every file object's HandleCount. The
// by-id array is replaced on growth and read without the lock. Lock order: T before any file
// object's lock. The lock is held across opening a store (a system call, not data I/O) so that
// two concurrent opens of one path create one file object.
// Invariants: a file object is in both maps or neither; ids of file objects in the table are
// unique; an id is reused only after its file object left the table with no resident page.

using System.Diagnostics;

namespace Quire.Files;

internal sealed class FileTable
{
    private readonly Dictionary<object, FileObject> _byKey = new(KeyComparer.Instance); // (T)
    private readonly Stack<int> _freeIds = new(); // (T)
    private FileObject?[] _byId = new FileObject?[16]; // (T) writes; lock-free reads
    private int _nextId; // (T)

    public Lock Lock { get; } = new();

    /// <summary>The file object with <paramref name="id"/>, or null. Takes no lock.</summary>
    public FileObject? GetById(int id)
    {
        FileObject?[] byId = Volatile.Read(ref _byId);
        return (uint)id < (uint)byId.Length ? Volatile.Read(ref byId[id]) : null;
    }

    public bool TryGetLocked(object key, out FileObject file)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The file table lock is held.");
        return _byKey.TryGetValue(key, out file!);
    }

    /// <summary>Reserves an id for a new file object.</summary>
    public int AllocateIdLocked()
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The file table lock is held.");
        return _freeIds.Count > 0 ? _freeIds.Pop() : _nextId++;
    }

    /// <summary>Returns an id that was allocated but not used.</summary>
    public void ReleaseIdLocked(int id)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The file table lock is held.");
        _freeIds.Push(id);
    }

    public void AddLocked(FileObject file)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The file table lock is held.");
        _byKey.Add(file.Key, file);
        if (file.Id >= _byId.Length)
        {
            var grown = new FileObject?[Math.Max(_byId.Length * 2, file.Id + 1)];
            Array.Copy(_byId, grown, _byId.Length);
            Volatile.Write(ref _byId, grown);
        }

        Volatile.Write(ref _byId[file.Id], file);
    }

    public void RemoveLocked(FileObject file)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The file table lock is held.");
        Debug.Assert(file.Index.Count == 0, $"'{file.Name}' leaves the table with no resident page.");
        bool removed = _byKey.Remove(file.Key);
        Debug.Assert(removed, $"'{file.Name}' was in the table.");
        Volatile.Write(ref _byId[file.Id], null);
        _freeIds.Push(file.Id);
    }

    /// <summary>A snapshot of the open file objects.</summary>
    public FileObject[] Snapshot()
    {
        lock (Lock)
        {
            return [.. _byKey.Values];
        }
    }

    /// <summary>Paths compare by ordinal value, stores by reference.</summary>
    private sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new();

        public new bool Equals(object? x, object? y) =>
            x is string a && y is string b ? string.Equals(a, b, StringComparison.Ordinal) : ReferenceEquals(x, y);

        public int GetHashCode(object obj) =>
            obj is string s ? StringComparer.Ordinal.GetHashCode(s) : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }
}
