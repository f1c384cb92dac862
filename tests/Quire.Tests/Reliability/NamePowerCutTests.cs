// Proves what a power cut keeps of names (docs/DURABILITY.md P9b, X5), as PowerCutTests proves it
// for bytes: a seeded run of creates (written, then closed, which flushes), renames through the
// cache (over an existing name or not) and deletes, over a few names of one directory. A directory
// holds after a power cut what it held at its last successful sync, so a double of the directory
// sync records the directory's listing (each name with its inode) at every sync; after each call
// returns, every name the calls so far promised (a created file's name once its flush returned, a
// rename's new name on the renamed file and its old name gone, a deleted name gone) must be so in
// the last listing synced. A name the run changed since its promise (created again) promises
// nothing until its own flush.

using Quire.Paging;
using Quire.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Quire.Tests.Reliability;

public sealed class NamePowerCutTests(ITestOutputHelper output)
{
    private const int Names = 5;
    private const int Steps = 40;

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(4UL)]
    public void EveryNameACallPromisedIsInTheLastListingSynced(ulong seed)
    {
        output.WriteLine($"seed {seed}");
        using var directory = new TempDirectory();
        var syncs = new DirectorySyncs { Probe = Listing };
        using var cache = new PageCache(syncs.Options());
        var random = new SeededRandom(seed);
        var promised = new Dictionary<string, long>(StringComparer.Ordinal); // name: its inode, or 0 for no file
        for (int step = 0; step < Steps; step++)
        {
            string name = $"n{random.Next(Names)}";
            string path = directory.File(name);
            string what;
            if (!File.Exists(path))
            {
                using (CachedFile file = cache.Open(path, FileMode.CreateNew))
                {
                    file.Write(0, BytePatterns.Create(1 + random.Next(3 * QuietCaches.PageSize), seed: step));
                }

                promised[name] = InodeOf(path); // the last close flushed it: its name is durable
                what = $"create {name}";
            }
            else if (random.Next(3) == 0)
            {
                cache.Delete(path);
                promised[name] = 0;
                what = $"delete {name}";
            }
            else
            {
                string other = $"n{random.Next(Names)}";
                string destination = directory.File(other);
                if (other == name || (File.Exists(destination) && random.Next(2) == 0))
                {
                    continue; // a rename onto itself, or one refused for an existing name, promises nothing
                }

                long inode = InodeOf(path);
                cache.Move(path, destination, overwrite: true);
                promised[name] = 0;
                promised[other] = inode;
                what = $"move {name} to {other}";
            }

            Assert.True(syncs.Synced.Length > 0, $"seed {seed}, step {step} ({what}): no directory was synced");
            Assert.Equal(directory.Path, syncs.Synced[^1]);
            Dictionary<string, long> kept = Parse(syncs.Seen[^1]);
            foreach ((string promisedName, long promisedInode) in promised)
            {
                long keptInode = kept.GetValueOrDefault(promisedName);
                Assert.True(keptInode == promisedInode, $"seed {seed}, step {step} ({what}): a power cut now would leave '{promisedName}' on inode {keptInode}, but it was promised {(promisedInode == 0 ? "gone" : $"on inode {promisedInode}")}");
            }
        }
    }

    /// <summary>The directory's names with their inodes, as the probe records them: "name:inode" joined by '/'.</summary>
    private static string Listing(string directoryPath) =>
        string.Join('/', Directory.GetFiles(directoryPath).Order(StringComparer.Ordinal).Select(path => $"{Path.GetFileName(path)}:{InodeOf(path)}"));

    private static Dictionary<string, long> Parse(string listing) =>
        listing.Length == 0
            ? []
            : listing.Split('/').Select(entry => entry.Split(':')).ToDictionary(parts => parts[0], parts => long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);

    private static long InodeOf(string path) => LinuxFileIO.TryStat(path, followLinks: false)?.Identity.Inode ?? throw new IOException($"No stat of '{path}'.");
}
