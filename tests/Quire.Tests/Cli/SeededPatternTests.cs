// Proves the demo's seeded pattern catches what the demo relies on it to catch (a changed byte, a
// page put at the wrong offset, a different seed) and names the offset: by filling buffers with
// the pattern, damaging them, and checking them again.

using Quire.Cli.Demo;

namespace Quire.Tests.Cli;

public sealed class SeededPatternTests
{
    [Fact]
    public void FilledBytesVerifyAtTheirOffset()
    {
        var pattern = new SeededPattern(seed: 7);
        byte[] buffer = new byte[8192];
        pattern.Fill(4096, buffer);

        pattern.Verify(4096, buffer, "test");
        pattern.Verify(4096 + 1024, buffer.AsSpan(1024, 2048), "test");
    }

    [Fact]
    public void AChangedByteIsReportedWithItsFileOffset()
    {
        var pattern = new SeededPattern(seed: 7);
        byte[] buffer = new byte[4096];
        pattern.Fill(65536, buffer);
        buffer[1234] ^= 0x01;

        PatternMismatchException e = Assert.Throws<PatternMismatchException>(() => pattern.Verify(65536, buffer, "Quire"));
        Assert.Contains("file offset 66770", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("Quire returned", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APageAtTheWrongOffsetDoesNotVerify()
    {
        var pattern = new SeededPattern(seed: 1);
        byte[] page = new byte[4096];
        pattern.Fill(0, page);

        Assert.Throws<PatternMismatchException>(() => pattern.Verify(4096, page, "test"));
    }

    [Fact]
    public void DifferentSeedsGiveDifferentBytes()
    {
        byte[] first = new byte[4096];
        byte[] second = new byte[4096];
        new SeededPattern(seed: 1).Fill(0, first);
        new SeededPattern(seed: 2).Fill(0, second);

        Assert.NotEqual(first, second);
        Assert.Throws<PatternMismatchException>(() => new SeededPattern(seed: 2).Verify(0, first, "test"));
    }

    [Fact]
    public void ZerosDoNotVerify()
    {
        // A hole or a lost write reads back as zeros; the pattern must not look like that.
        Assert.Throws<PatternMismatchException>(() => new SeededPattern(seed: 1).Verify(0, new byte[4096], "test"));
    }

    [Theory]
    [InlineData(3, 4096)]
    [InlineData(0, 4095)]
    public void UnalignedRangesAreRefused(long fileOffset, int byteCount)
    {
        var pattern = new SeededPattern(seed: 1);

        Assert.Throws<ArgumentException>(() => pattern.Fill(fileOffset, new byte[byteCount]));
    }
}
