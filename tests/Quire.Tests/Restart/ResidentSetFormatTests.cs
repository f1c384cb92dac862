// Proves a saved resident set is validated (Restart/ResidentSetFormat, ResidentSetFile): an encoded
// set decodes to itself; every single-byte corruption and every truncation of a saved file is
// refused with a reason, never an exception; random bytes behind a valid header and checksum never
// throw; and a prewarm from a corrupt file is ignored with a logged warning and reloads nothing.
// Corruptions are seeded; the seed is in the assertion messages.

using Quire.Files;
using Quire.Restart;
using Quire.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Quire.Tests.Restart;

public sealed class ResidentSetFormatTests(ITestOutputHelper output)
{
    [Fact]
    public void AnEncodedSetDecodesToItself()
    {
        ResidentSet set = SampleSet();
        ResidentSet? decoded = ResidentSetFormat.TryDecode(ResidentSetFormat.Encode(set), out string reason);
        Assert.True(decoded is not null, reason);
        Assert.Equal(set.PageSize, decoded.PageSize);
        Assert.Equal(set.Files.Length, decoded.Files.Length);
        for (int i = 0; i < set.Files.Length; i++)
        {
            Assert.Equal(set.Files[i] with { Runs = [] }, decoded.Files[i] with { Runs = [] });
            Assert.Equal(set.Files[i].Runs, decoded.Files[i].Runs);
        }
    }

    [Fact]
    public void EveryFlippedByteIsRefused()
    {
        const ulong seed = 16;
        output.WriteLine($"seed {seed}");
        var random = new SeededRandom(seed);
        byte[] bytes = ResidentSetFormat.Encode(SampleSet());
        for (int i = 0; i < bytes.Length; i++)
        {
            byte[] corrupt = (byte[])bytes.Clone();
            corrupt[i] ^= (byte)(1 + random.Next(255));
            Assert.True(ResidentSetFormat.TryDecode(corrupt, out string reason) is null, $"seed {seed}: a change of byte {i} of {bytes.Length} was accepted.");
            Assert.NotEmpty(reason);
        }
    }

    [Fact]
    public void EveryTruncationIsRefused()
    {
        byte[] bytes = ResidentSetFormat.Encode(SampleSet());
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.True(ResidentSetFormat.TryDecode(bytes.AsSpan(0, length), out string reason) is null, $"A cut to {length} of {bytes.Length} bytes was accepted.");
            Assert.NotEmpty(reason);
        }

        byte[] longer = [.. bytes, 0];
        Assert.Null(ResidentSetFormat.TryDecode(longer, out _));
    }

    [Fact]
    public void RandomBodiesWithAValidChecksumNeverThrow()
    {
        const ulong seed = 61;
        output.WriteLine($"seed {seed}");
        var random = new SeededRandom(seed);
        byte[] valid = ResidentSetFormat.Encode(SampleSet());
        for (int trial = 0; trial < 2000; trial++)
        {
            // Keep the header (so the decoder reaches the records), randomize the rest, fix the checksum.
            byte[] bytes = new byte[20 + random.Next(200) + 4];
            valid.AsSpan(0, 20).CopyTo(bytes);
            bytes[16] = (byte)random.Next(4); // a small file count
            bytes[17] = bytes[18] = bytes[19] = 0;
            for (int i = 20; i < bytes.Length - 4; i++)
            {
                bytes[i] = (byte)random.Next(256);
            }

            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), ResidentSetFormat.Crc32C(bytes.AsSpan(0, bytes.Length - 4)));
            ResidentSet? set = ResidentSetFormat.TryDecode(bytes, out string reason);
            Assert.True(set is not null || reason.Length > 0, $"seed {seed}, trial {trial}: refused without a reason.");
        }
    }

    [Fact]
    public void AnotherVersionIsRefused()
    {
        byte[] bytes = ResidentSetFormat.Encode(SampleSet());
        bytes[8] = 2;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), ResidentSetFormat.Crc32C(bytes.AsSpan(0, bytes.Length - 4)));
        Assert.Null(ResidentSetFormat.TryDecode(bytes, out string reason));
        Assert.Contains("version 2", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task APrewarmFromACorruptOrTruncatedFileIsIgnoredWithAWarning(bool truncate)
    {
        using var directory = new TempDirectory();
        string dump = directory.File("resident.set");
        string path = directory.File("data.bin");
        WarmRestartFixture.CreateDataFile(path, 0, 8);
        using (var before = new PageCache(WarmRestartFixture.Options()))
        {
            WarmRestartFixture.ReadPages(before, path, 0, [0, 1, 2]);
            before.SaveResidentSet(dump);
        }

        byte[] bytes = File.ReadAllBytes(dump);
        if (truncate)
        {
            File.WriteAllBytes(dump, bytes[..(bytes.Length / 2)]);
        }
        else
        {
            bytes[bytes.Length / 2] ^= 0x40;
            File.WriteAllBytes(dump, bytes);
        }

        var logger = new RecordingLogger();
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 1L << 20, Logger = logger, ResidentSetPath = dump, ResidentSetSaveInterval = TimeSpan.Zero });
        PrewarmResult result = await cache.StartupPrewarm!.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ResidentSetStatus.Invalid, result.Status);
        Assert.Equal(0, result.PagesReloaded);
        Assert.Equal(0, cache.GetStatistics().PrewarmedPages);
        RecordingLogger.LogRecord warning = Assert.Single(logger.Named("ResidentSetIgnored"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.Contains(dump, warning.Message, StringComparison.Ordinal);
    }

    private static ResidentSet SampleSet() => new(4096,
    [
        new ResidentFile("/data/a.bin", new FileIdentity(2049, 131), 1L << 30, 1_700_000_000_123_456_789,
            [new PageRun(0, 3, PageHotness.Active), new PageRun(3, 1, PageHotness.Cold), new PageRun(100, 200, PageHotness.Referenced), new PageRun(262_143, 1, PageHotness.Active)]),
        new ResidentFile("/data/é/b.bin", new FileIdentity(2050, 7), 4097, 42, [new PageRun(1, 1, PageHotness.Cold)]),
        new ResidentFile("/data/empty.bin", new FileIdentity(2050, 8), 0, 0, []),
    ]);
}
