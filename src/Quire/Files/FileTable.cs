// FileTable: the open file objects, by key (a real file's identity, device and inode; a full path
// where the OS gives no identity; or the store instance) and by id, so that
// opening a file twice shares one file object and the reclaim scan can find a frame's file.
//
// It also keeps the write devices (WriteDevice) the file objects share, by device key, each
// while a file object in the table writes to it.
//
// Locking: Lock (T) guards the maps, the free ids, the devices and every file object's HandleCount. The
// by-id array is replaced on growth and read without the lock. Lock order: T before any file
// object's lock. The lock is held across opening a store (a system call, not data I/O) so that
// two concurrent opens of one path create one file object.
// Invariants: a file object is in both maps or neither; ids of file objects in the table are
// unique; an id is reused only after its file object left the table with no resident page.

using System.Diagnostics;
using Quire.Internal;

namespace Quire.Files;

internal sealed class FileTable
{
    private readonly Dictionary<object, FileObject> _byKey = new(KeyComparer.Instance); // (T)
    private readonly Stack<int> _freeIds = new(); // (T)
    private FileObject?[] _byId = new FileObject?[16]; // (T) writes; lock-free reads
    private int _nextId; // (T)
    private readonly Dictionary<object, WriteDevice> _devices = new(KeyComparer.Instance); // (T)

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

    /// <summary>The device with <paramref name="key"/>, created if no file uses it yet; the file object added next with it holds it.</summary>
    public WriteDevice GetDeviceLocked(object key, int pageSize)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The file table lock is held.");
        if (!_devices.TryGetValue(key, out WriteDevice? device))
        {
            device = new WriteDevice(key, pageSize);
            _devices.Add(key, device);
        }

        return device;
    }

    public void AddLocked(FileObject file)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The file table lock is held.");
        _byKey.Add(file.Key, file);
        file.Device.FileCount++;
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
        if (--file.Device.FileCount == 0 && _devices.TryGetValue(file.Device.Key, out WriteDevice? device) && device == file.Device)
        {
            _devices.Remove(file.Device.Key);
        }
    }

    /// <summary>
    /// Takes <paramref name="file"/> off its key, so that the next open of its file makes a new file
    /// object; it stays by id (its pages still name it) until it leaves with no resident page.
    /// </summary>
    public void RetireLocked(FileObject file)
    {
        Debug.Assert(Lock.IsHeldByCurrentThread, "The file table lock is held.");
        bool removed = _byKey.Remove(file.Key);
        Debug.Assert(removed, $"'{file.Name}' was in the table.");
        file.Key = file;
        _byKey.Add(file, file);
    }

    /// <summary>A snapshot of the open file objects.</summary>
    public FileObject[] Snapshot()
    {
        using (LockOrder.Enter(Lock, LockRank.FileTable))
        {
            return [.. _byKey.Values];
        }
    }

    /// <summary>Paths compare by ordinal value, device numbers and file identities by value, stores by reference.</summary>
    private sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new();

        public new bool Equals(object? x, object? y) => (x, y) switch
        {
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            (long a, long b) => a == b,
            (FileIdentity a, FileIdentity b) => a == b,
            _ => ReferenceEquals(x, y),
        };

        public int GetHashCode(object obj) => obj switch
        {
            string s => StringComparer.Ordinal.GetHashCode(s),
            long n => n.GetHashCode(),
            FileIdentity identity => identity.GetHashCode(),
            _ => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj),
        };
    }
}
