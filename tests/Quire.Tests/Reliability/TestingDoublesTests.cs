// Proves the public test doubles of Quire.Testing do what their documentation says, so that a
// suite built on them fails when the cache is wrong and not when a double is: faults fire on
// exactly the calls scheduled, short writes store a prefix, crashes keep the durable image and
// tear only at sector boundaries, the crash checker rejects a lost flushed byte, timers fire.

using Quire.Testing;

namespace Quire.Tests.Reliability;

public sealed class TestingDoublesTests
{
    private static void WriteAt(IBackingStore store, long offset, byte[] data) => store.Write([data], offset);

    [Fact]
    public void AnNthCallRuleFailsExactlyThatCallOnceAndAPersistentOneKeepsFailingUntilHealed()
    {
        var store = new FaultInjectingBackingStore(new MemoryBackingStore());
        store.AddRule(FaultRule.FailNth(StoreOperations.Write, 2, IOErrorKind.NoSpace));
        WriteAt(store, 0, [1]);
        IOException error = Assert.Throws<IOException>(() => WriteAt(store, 1, [2]));
        Assert.Equal(28, error.HResult);
        WriteAt(store, 2, [3]);
        Assert.Equal(1, store.FiredCount(StoreOperations.Write));
        Assert.Equal(3, store.CallCount(StoreOperations.Write));

        store.AddRule(FaultRule.FailNth(StoreOperations.Flush, 1, persistent: true));
        Assert.Throws<IOException>(store.Flush);
        Assert.Throws<IOException>(store.Flush);
        store.Heal();
        store.Flush();
        Assert.Equal(3, store.FaultsFired);
        Assert.Equal(StoreOperations.Flush, store.FiredFaults[^1].Operation);
    }

    [Fact]
    public void AShortWriteStoresOnlyItsPrefixAndARangeRuleOnlyTouchesItsRange()
    {
        var inner = new MemoryBackingStore();
        var store = new FaultInjectingBackingStore(inner);
        store.AddRule(new FaultRule { Operations = StoreOperations.Write, Effect = FaultEffect.ShortWrite, ShortWriteBytes = 3, Range = new ByteRange(100, 10) });
        WriteAt(store, 0, [1, 2, 3, 4, 5]); // outside the range: untouched
        Assert.Throws<IOException>(() => WriteAt(store, 98, [9, 9, 9, 9, 9, 9]));
        Assert.Equal(101, inner.GetLength());
        Assert.Equal(new byte[] { 9, 9, 9 }, inner.ToArray()[98..101]);
    }

    [Fact]
    public void FractionalRulesAreReproducibleBySeed()
    {
        static string Pattern(ulong seed)
        {
            var store = new FaultInjectingBackingStore(new MemoryBackingStore(), seed);
            store.AddRule(FaultRule.FailFraction(StoreOperations.Flush, 0.5));
            var outcomes = new char[64];
            for (int i = 0; i < outcomes.Length; i++)
            {
                try
                {
                    store.Flush();
                    outcomes[i] = '.';
                }
                catch (IOException)
                {
                    outcomes[i] = 'x';
                }
            }

            return new string(outcomes);
        }

        Assert.Equal(Pattern(5), Pattern(5));
        Assert.NotEqual(Pattern(5), Pattern(6));
        Assert.Contains('x', Pattern(5));
        Assert.Contains('.', Pattern(5));
    }

    [Fact]
    public void ACrashKeepsTheDurableImageAndTearsOnlyAtSectorBoundaries()
    {
        var disk = new CrashSimulatingBackingStore("disk", new byte[4096]);
        WriteAt(disk, 0, Enumerable.Repeat((byte)1, 4096).ToArray());
        disk.Flush();
        WriteAt(disk, 0, Enumerable.Repeat((byte)2, 4096).ToArray());
        bool sawTorn = false;
        for (ulong seed = 0; seed < 64; seed++)
        {
            CrashImage image = disk.CaptureCrashImage(seed);
            Assert.Equal(4096, image.Content.Length);
            for (int sector = 0; sector < 8; sector++)
            {
                ReadOnlySpan<byte> bytes = image.Content.Slice(sector * 512, 512);
                Assert.True(bytes.IndexOfAnyExcept(bytes[0]) < 0, $"Sector {sector} of seed {seed} is torn inside.");
                Assert.True(bytes[0] is 1 or 2);
            }

            sawTorn |= image.TornWrites > 0 && image.Content.IndexOf((byte)1) >= 0 && image.Content.IndexOf((byte)2) >= 0;
        }

        Assert.True(sawTorn, "Some seed tears the write.");
        CrashImage crashed = disk.SimulateCrash(1);
        Assert.Throws<IOException>(() => WriteAt(disk, 0, [0]));
        Assert.Equal(crashed.Content.ToArray(), crashed.OpenStore().Content);
    }

    [Fact]
    public void DroppingUnflushedWritesKeepsTheSizeAndForgetsTheData()
    {
        var disk = new CrashSimulatingBackingStore("disk", [7, 7]);
        WriteAt(disk, 0, [1, 1, 1, 1]);
        disk.DiscardUnflushedWrites();
        Assert.Equal(new byte[] { 7, 7, 0, 0 }, disk.Content);
        Assert.Equal(new byte[] { 7, 7 }, disk.DurableContent);
    }

    [Fact]
    public void TheCrashCheckerRejectsALostFlushedByteAndAcceptsLaterWrites()
    {
        var model = new FileModel();
        model.Write(0, [1, 2, 3, 4]);
        model.MarkDurable();
        model.Write(2, [9]);
        Assert.Null(model.FindCrashViolation([1, 2, 3, 4]));
        Assert.Null(model.FindCrashViolation([1, 2, 9, 4]));
        Assert.NotNull(model.FindCrashViolation([1, 2, 5, 4])); // 5 was never written
        Assert.NotNull(model.FindCrashViolation([1, 2, 3])); // shorter than any size since the flush
        model.SetLength(1);
        Assert.Null(model.FindCrashViolation([1]));
        Assert.Null(model.FindCrashViolation([1, 0, 0, 4]));
    }

    [Fact]
    public void AManualClockFiresTimersOnlyWhenAdvancedPastThem()
    {
        var clock = new ManualTimeProvider();
        int fired = 0;
        using ITimer timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, fired);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, fired);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, fired);
        Assert.Equal(TimeSpan.FromSeconds(4), clock.Elapsed);
    }
}
