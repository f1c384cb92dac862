// The samples of docs/GETTING-STARTED.md, compiled and run by GettingStartedTests. The text
// between "begin-sample" and "end-sample" is what the page shows, character for character
// (after removing the indentation); GettingStartedTests fails when the two differ.

using System.Text;
using FASTER.core;
using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using Quire.Faster;
using JsonSerializer = System.Text.Json.JsonSerializer; // LiteDB has one too

namespace Quire.Tests.Docs;

public static class GettingStartedSamples
{
    public static void Basics(string dataDirectory, TextWriter console)
    {
        // begin-sample: basics
        using var cache = new PageCache(new PageCacheOptions
        {
            MemoryLimitBytes = 64L << 20, // 64 MiB of frames, allocated once
        });

        using CachedFile file = cache.Open(Path.Combine(dataDirectory, "orders.db"));
        file.Write(fileOffset: 8192, "hello, page cache"u8);

        var buffer = new byte[17];
        int read = file.Read(fileOffset: 8192, buffer); // a hit: no lock, no allocation
        console.WriteLine($"read {read} bytes: {Encoding.UTF8.GetString(buffer)}");

        using (PageLease lease = file.Pin(fileOffset: 8192, byteCount: 5))
        {
            console.WriteLine($"pinned: {Encoding.UTF8.GetString(lease.Span)}"); // zero-copy
        }

        file.Flush(); // durable when this returns
        console.WriteLine($"file length {file.Length}, {cache.GetStatistics().DirtyPages} dirty pages");
        // end-sample
    }

    public static async Task StreamsAsync(string dataDirectory, TextWriter console)
    {
        // begin-sample: streams
        using var cache = new PageCache();
        string path = Path.Combine(dataDirectory, "settings.json");

        await using (CachedFileStream stream = cache.Open(path, FileMode.Create).AsStream())
        {
            await JsonSerializer.SerializeAsync(stream, new Dictionary<string, int> { ["pageSize"] = 4096 });
        } // disposing the stream disposes its handle, and the last handle flushes the file

        await using (CachedFileStream stream = cache.Open(path, FileMode.Open, FileAccess.Read).AsStream())
        {
            var settings = await JsonSerializer.DeserializeAsync<Dictionary<string, int>>(stream);
            console.WriteLine($"pageSize = {settings!["pageSize"]}");
        }

        using CachedFile file = cache.Open(path, FileMode.Open, FileAccess.Read);
        using var reader = new StreamReader(file.AsStream(leaveOpen: true)); // the handle stays open
        console.WriteLine(await reader.ReadToEndAsync());
        // end-sample
    }

    public static async Task DependencyInjectionAsync(string dataDirectory, TextWriter console)
    {
        // begin-sample: dependency-injection
        var services = new ServiceCollection();
        services.AddQuire(options =>
        {
            options.MemoryLimitBytes = 128L << 20;
            options.MaxReadAheadBytes = 256 << 10;
        });

        await using ServiceProvider provider = services.BuildServiceProvider();
        var cache = provider.GetRequiredService<PageCache>(); // one cache for the application
        using CachedFile file = cache.Open(Path.Combine(dataDirectory, "index.bin"));
        await file.WriteAsync(fileOffset: 0, new byte[] { 1, 2, 3 });
        await file.FlushAsync();
        console.WriteLine($"{cache.Options.MemoryLimitBytes >> 20} MiB cache, file of {file.Length} bytes");
        // end-sample
    }

    public static void LiteDb(string dataDirectory, TextWriter console)
    {
        // begin-sample: litedb
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 64L << 20 });

        // LiteDB names a database's log "<name>-log<extension>": plain LiteDB finds it there.
        using CachedFileStream data = cache.Open(Path.Combine(dataDirectory, "orders.db")).AsStream();
        using CachedFileStream log = cache.Open(Path.Combine(dataDirectory, "orders-log.db")).AsStream();
        using (var database = new LiteDatabase(data, mapper: null, log))
        {
            ILiteCollection<BsonDocument> orders = database.GetCollection("orders");
            orders.EnsureIndex("Customer");
            orders.Insert(new BsonDocument { ["_id"] = 1, ["Customer"] = "ada", ["Amount"] = 12.5 });
            database.Checkpoint(); // the log copied into the data file, which LiteDB flushes: durable
            console.WriteLine($"{orders.Count(Query.EQ("Customer", "ada"))} order for ada");
        } // LiteDB's last checkpoint, then the streams and their handles, then the cache
        // end-sample
    }

    public static void Faster(string dataDirectory, TextWriter console)
    {
        // begin-sample: faster
        using var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = 64L << 20 });
        using var device = new QuireDevice(cache, Path.Combine(dataDirectory, "hlog.log"));
        using var store = new FasterKV<long, long>(
            1L << 16,
            new LogSettings { LogDevice = device, MemorySizeBits = 20, PageSizeBits = 16 },
            new CheckpointSettings { CheckpointDir = Path.Combine(dataDirectory, "checkpoints") });
        using var session = store.For(new SimpleFunctions<long, long>()).NewSession<SimpleFunctions<long, long>>();

        for (long key = 0; key < 100_000; key++)
        {
            session.Upsert(key, key * 2); // 2.4 MB of records: most of the log goes to the device
        }

        long seven = 7, value = 0;
        if (session.Read(ref seven, ref value).IsPending) // on the device: Quire's pool, else a read
        {
            session.CompletePendingWithOutputs(out var outputs, wait: true);
            using (outputs)
            {
                outputs.Next();
                value = outputs.Current.Output;
            }
        }

        console.WriteLine($"key 7 = {value}");
        store.TakeFullCheckpointAsync(CheckpointType.FoldOver).AsTask().GetAwaiter().GetResult(); // durable
        // end-sample
    }
}
