// Proves the file object's writeback gate: a size change waits for writebacks in flight and
// holds new ones back, both waits end in TimeoutException at their deadline and leave the gate
// usable, and ReadableEnd honours a pending store truncation. Drives one FileObject directly; a
// second party that must wait at the gate runs on a thread of its own, since one thread waiting
// at a gate it holds is the self-deadlock the lock-order checker refuses (Internal/LockOrder).

using System.Runtime.ExceptionServices;
using Quire.Files;
using Quire.Internal;

namespace Quire.Tests.Files;

public sealed class FileObjectTests
{
    private static readonly TimeSpan s_short = TimeSpan.FromMilliseconds(30);
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(30);

    [Fact]
    public void NewFileObjectTakesItsIdentityAndSizeFromTheStore()
    {
        var store = new MemoryBackingStore("name", new byte[5000]);

        var file = new FileObject(3, "key", store, isWritable: true, size: 5000);

        Assert.Equal((3, "key", "name", true), (file.Id, file.Key, file.Name, file.IsWritable));
        Assert.Same(store, file.Store);
        Assert.Equal(5000, file.Size);
        Assert.Equal(5000, file.StoreLength);
        Assert.Equal(-1, file.PendingStoreTruncate);
        Assert.Equal(5000, file.ReadableEnd);
        Assert.Equal(0, file.DirtyPageCount);
        Assert.Equal(0, file.Index.Count);
    }

    [Fact]
    public void ReadableEndStopsAtAPendingStoreTruncation()
    {
        var file = NewFile(10_000);

        file.PendingStoreTruncate = 4000;
        Assert.Equal(4000, file.ReadableEnd);

        lock (file.Lock)
        {
            file.SetSizeLocked(3000);
        }

        Assert.Equal(3000, file.ReadableEnd);
        file.PendingStoreTruncate = -1;
        Assert.Equal(3000, file.ReadableEnd);
    }

    [Fact]
    public void DirtyPageCountAddsAndSubtracts()
    {
        var file = NewFile(0);

        file.AddDirtyPages(3);
        file.AddDirtyPages(-2);

        Assert.Equal(1, file.DirtyPageCount);
    }

    [Fact]
    public void WritebackCannotStartWhileTheSizeChanges()
    {
        var file = NewFile(0);
        file.Gate.EnterResize(Deadline.After(s_long));

        Assert.False(file.Gate.TryEnterIo());
        Assert.Throws<TimeoutException>(() => OnAnotherThread(() => file.Gate.EnterIo(Deadline.After(s_short))));

        file.Gate.ExitResize();
        Assert.True(file.Gate.TryEnterIo());
        file.Gate.ExitIo();
    }

    [Fact]
    public void SizeChangeTimesOutWhileAWritebackIsInFlightAndLeavesTheGateOpen()
    {
        var file = NewFile(0);
        file.Gate.EnterIo(Deadline.After(s_long));

        Assert.Throws<TimeoutException>(() => OnAnotherThread(() => file.Gate.EnterResize(Deadline.After(s_short))));

        // The failed size change must not keep writebacks out.
        Assert.True(file.Gate.TryEnterIo());
        file.Gate.ExitIo();
        file.Gate.ExitIo();
        file.Gate.EnterResize(Deadline.After(s_short));
        file.Gate.ExitResize();
    }

    [Fact]
    public void SizeChangeProceedsWhenTheLastWritebackEnds()
    {
        var file = NewFile(0);
        file.Gate.EnterIo(Deadline.After(s_long));
        Assert.True(file.Gate.TryEnterIo());
        using var resized = new ManualResetEventSlim();
        var resizer = new Thread(() =>
        {
            file.Gate.EnterResize(Deadline.After(s_long));
            resized.Set();
            file.Gate.ExitResize();
        });
        resizer.Start();
        Assert.True(SpinWait.SpinUntil(() => !CouldBeginWriteback(file), s_long)); // the resizer holds new writebacks back

        file.Gate.ExitIo();
        Assert.False(resized.IsSet);
        file.Gate.ExitIo();

        Assert.True(resized.Wait(s_long));
        resizer.Join();
        Assert.True(file.Gate.TryEnterIo());
        file.Gate.ExitIo();
    }

    [Fact]
    public void SecondSizeChangeWaitsForTheFirst()
    {
        var file = NewFile(0);
        file.Gate.EnterResize(Deadline.After(s_long));

        Assert.Throws<TimeoutException>(() => OnAnotherThread(() => file.Gate.EnterResize(Deadline.After(s_short))));

        file.Gate.ExitResize();
        file.Gate.EnterResize(Deadline.After(s_short));
        file.Gate.ExitResize();
    }

    /// <summary>Runs <paramref name="action"/> on a new thread and rethrows what it threw.</summary>
    private static void OnAnotherThread(Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    private static FileObject NewFile(long size) => new(0, "f", new MemoryBackingStore(), isWritable: true, size);

    /// <summary>Whether a writeback could start now, without leaving one in flight.</summary>
    private static bool CouldBeginWriteback(FileObject file)
    {
        if (!file.Gate.TryEnterIo())
        {
            return false;
        }

        file.Gate.ExitIo();
        return true;
    }
}
