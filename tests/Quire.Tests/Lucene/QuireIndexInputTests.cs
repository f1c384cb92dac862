// Proves QuireDirectory's inputs read through storable leases without leaking pins: an input pins
// one page at a time (repinning at page boundaries) and no page once disposed; clones share the
// handle; clones Lucene drops without disposing give their pins back to the collector; closing
// the directory releases whatever clones still hold; and when the cache's leases are at their
// bound, inputs copy instead of failing. Pins are read from the cache's statistics.

using Lucene.Net.Store;
using Quire.Lucene;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Lucene;

public sealed class QuireIndexInputTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly PageCache _cache = QuietCaches.Create(frameCount: 64); // leases may pin 16 pages
    private readonly QuireDirectory _directory;
    private readonly byte[] _bytes = BytePatterns.Create(40 * QuietCaches.PageSize, 21);

    public QuireIndexInputTests()
    {
        _directory = new QuireDirectory(_cache, _temp.File("index"));
        using IndexOutput output = _directory.CreateOutput("file", IOContext.DEFAULT);
        output.WriteBytes(_bytes, _bytes.Length);
    }

    public void Dispose()
    {
        _directory.Dispose();
        _cache.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void AnInputPinsOnlyThePageUnderItsPositionAndNothingOnceDisposed()
    {
        IndexInput input = _directory.OpenInput("file", IOContext.DEFAULT);
        Assert.Equal(0, _cache.GetStatistics().PinnedFrames);

        for (int page = 0; page < 40; page++)
        {
            input.Seek((page * QuietCaches.PageSize) + 100);
            Assert.Equal(_bytes[(page * QuietCaches.PageSize) + 100], input.ReadByte());
            Assert.Equal(1, _cache.GetStatistics().PinnedFrames);
        }

        input.Dispose();
        Assert.Equal(0, _cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void ClonesDroppedWithoutDisposingGiveTheirPinsBackToTheCollector()
    {
        using IndexInput input = _directory.OpenInput("file", IOContext.DEFAULT);
        DropReadingClones(input, count: 10);
        Assert.Equal(10, _cache.GetStatistics().PinnedFrames);

        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.Equal(0, _cache.GetStatistics().PinnedFrames);
    }

    [Fact]
    public void DisposingTheOpenedInputReleasesWhatItsClonesStillPin()
    {
        IndexInput input = _directory.OpenInput("file", IOContext.DEFAULT);
        var clones = new List<IndexInput>();
        for (int i = 0; i < 5; i++)
        {
            var clone = (IndexInput)input.Clone();
            clone.Seek(i * QuietCaches.PageSize);
            clone.ReadByte();
            clones.Add(clone);
        }

        Assert.Equal(5, _cache.GetStatistics().PinnedFrames);

        input.Dispose();

        Assert.Equal(0, _cache.GetStatistics().PinnedFrames);
        Assert.Throws<ObjectDisposedException>(() => clones[0].ReadByte());
        GC.KeepAlive(clones);
    }

    [Fact]
    public void InputsCopyInsteadOfPinningWhenTheLeasesAreAtTheirBound()
    {
        using IndexInput input = _directory.OpenInput("file", IOContext.DEFAULT);
        var clones = new List<IndexInput>();
        for (int page = 0; page < 40; page++)
        {
            var clone = (IndexInput)input.Clone();
            clone.Seek((page * QuietCaches.PageSize) + 8);
            Assert.Equal(System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(_bytes.AsSpan((page * QuietCaches.PageSize) + 8)), clone.ReadInt64());
            clones.Add(clone);
        }

        Assert.Equal(16, _cache.GetStatistics().PinnedFrames); // a quarter of 64 frames

        // Once the leases have room again, a copying clone pins at its next page.
        clones[0].Dispose();
        clones[39].Seek(0);
        Assert.Equal(_bytes[0], clones[39].ReadByte());
        Assert.Equal(16, _cache.GetStatistics().PinnedFrames);
        GC.KeepAlive(clones);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void DropReadingClones(IndexInput input, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var clone = (IndexInput)input.Clone();
            clone.Seek(i * QuietCaches.PageSize);
            Assert.Equal(_bytes[i * QuietCaches.PageSize], clone.ReadByte());
        }
    }
}
