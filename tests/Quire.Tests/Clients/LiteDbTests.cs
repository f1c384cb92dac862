// Proves that LiteDB 5.0.21 runs on Quire's streams with a pool several times smaller than its
// database and loses nothing: a seeded workload of inserts in transactions, updates and deletes
// (with an index, and checkpoints forced by LiteDB's own log size) goes through a database whose
// data file and log are CachedFileStreams of one small cache, against a model of every document
// (a dictionary, the differential oracle). After the database and the cache are closed, plain
// LiteDB opens the files on its own and must find exactly the model: the same ids, and each
// document's fields equal. The seed is printed; QUIRE_SEED replays one.

using LiteDB;
using Quire.Tests.Infrastructure;

namespace Quire.Tests.Clients;

public sealed class LiteDbTests
{
    private const long PoolBytes = 2L << 20;
    private const int Documents = 20_000;
    private const int BatchDocuments = 1_000;
    private const string Collection = "orders";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ADatabaseSeveralTimesThePoolLosesNoDocumentAndPlainLiteDbReadsThemAll(int defaultSeed)
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("QUIRE_SEED"), out int chosen) ? chosen : defaultSeed;
        Console.WriteLine($"LiteDbTests seed {seed}");
        var random = new Random(seed);
        using var directory = new TempDirectory();
        string path = directory.File("orders.db");
        var model = new Dictionary<int, (int Customer, double Amount, string Note)>();

        using (var cache = new PageCache(new PageCacheOptions { MemoryLimitBytes = PoolBytes }))
        {
            using CachedFileStream data = cache.Open(path, FileMode.CreateNew).AsStream();
            using CachedFileStream log = cache.Open(directory.File("orders-log.db"), FileMode.CreateNew).AsStream();
            using var database = new LiteDatabase(data, mapper: null, log);
            ILiteCollection<BsonDocument> orders = database.GetCollection(Collection);
            orders.EnsureIndex("Customer");

            Insert(database, orders, random, model);
            Update(orders, random, model);
            Delete(orders, random, model);

            // Through the cache, before anything is closed: the index and the documents agree with the model.
            Assert.Equal(model.Count, orders.Count());
            int customer = random.Next(100);
            Assert.Equal(model.Values.Count(d => d.Customer == customer), orders.Count(Query.EQ("Customer", customer)));
        }

        Assert.True(new FileInfo(path).Length >= 5 * PoolBytes, $"The database ({new FileInfo(path).Length} bytes) is several times the pool ({PoolBytes} bytes).");
        using var plain = new LiteDatabase($"Filename={path};Connection=direct;ReadOnly=true");
        var found = plain.GetCollection(Collection).FindAll().ToDictionary(d => d["_id"].AsInt32);
        Assert.Equal(model.Keys.Order(), found.Keys.Order());
        foreach ((int id, (int customer, double amount, string note)) in model)
        {
            BsonDocument document = found[id];
            Assert.True(
                document["Customer"].AsInt32 == customer && document["Amount"].AsDouble == amount && document["Note"].AsString == note,
                $"seed {seed}: document {id} reads back as {document} against the model's ({customer}, {amount}, {note}).");
        }
    }

    private static void Insert(LiteDatabase database, ILiteCollection<BsonDocument> orders, Random random, Dictionary<int, (int, double, string)> model)
    {
        for (int first = 0; first < Documents; first += BatchDocuments)
        {
            Assert.True(database.BeginTrans());
            for (int id = first; id < first + BatchDocuments; id++)
            {
                var document = NewDocument(id, random);
                orders.Insert(document);
                model[id] = (document["Customer"].AsInt32, document["Amount"].AsDouble, document["Note"].AsString);
            }

            Assert.True(database.Commit());
        }
    }

    private static void Update(ILiteCollection<BsonDocument> orders, Random random, Dictionary<int, (int, double, string)> model)
    {
        for (int i = 0; i < Documents / 10; i++)
        {
            int id = random.Next(Documents);
            if (!model.ContainsKey(id))
            {
                continue;
            }

            var document = NewDocument(id, random);
            Assert.True(orders.Update(document));
            model[id] = (document["Customer"].AsInt32, document["Amount"].AsDouble, document["Note"].AsString);
        }
    }

    private static void Delete(ILiteCollection<BsonDocument> orders, Random random, Dictionary<int, (int, double, string)> model)
    {
        for (int i = 0; i < Documents / 20; i++)
        {
            int id = random.Next(Documents);
            Assert.Equal(model.Remove(id), orders.Delete(id));
        }
    }

    /// <summary>A document of about 600 bytes: a customer for the index, an amount, and a note of random length.</summary>
    private static BsonDocument NewDocument(int id, Random random) => new()
    {
        ["_id"] = id,
        ["Customer"] = random.Next(100),
        ["Amount"] = Math.Round(random.NextDouble() * 1000, 2),
        ["Note"] = new string((char)('a' + random.Next(26)), 400 + random.Next(400)),
    };
}
