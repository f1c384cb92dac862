// LiteDbWorkload: the work every LiteDB engine does, phase by phase, over a database it is given:
// insert (documents in transactions of BatchDocuments, an index on Category kept up to date),
// update (10% at random: read by id, change, write back), delete (5% at random), query (every
// category through the index, ranges of ids, point lookups) and close (LiteDB's final checkpoint
// and whatever the engine does to make the files durable and release them). Seeded, so every
// engine inserts, changes and asks the same; the query results go into a checksum
// (order-insensitive, see Checksum).

using System.Text;
using LiteDB;

namespace Quire.ClientBenchmarks.LiteDbClient;

internal static class LiteDbWorkload
{
    public const string CollectionName = "orders";

    private const int Seed = 20261122; // any fixed value: every engine must draw the same documents

    /// <summary>Runs every phase. <paramref name="close"/> disposes the database and whatever the engine opened under it.</summary>
    public static EngineRun Run(string engine, LiteDbWorkloadSize size, LiteDatabase database, Action close, Func<PageCacheStatistics>? statistics)
    {
        var clock = new PhaseClock(statistics);
        var random = new Random(Seed);
        var results = new Dictionary<string, long>();
        ILiteCollection<BsonDocument> orders = database.GetCollection(CollectionName);
        clock.Start();

        orders.EnsureIndex("category", "$.Category");
        for (int first = 0; first < size.Documents; first += size.BatchDocuments)
        {
            database.BeginTrans();
            int end = Math.Min(size.Documents, first + size.BatchDocuments);
            for (int id = first; id < end; id++)
            {
                orders.Insert(NewDocument(id, size, random));
            }

            database.Commit();
        }

        clock.Lap("insert", size.Documents);

        long updated = 0;
        for (int done = 0; done < size.Updates; done += size.BatchDocuments)
        {
            database.BeginTrans();
            int batch = Math.Min(size.BatchDocuments, size.Updates - done);
            for (int i = 0; i < batch; i++)
            {
                int id = random.Next(size.Documents);
                BsonDocument order = orders.FindById(id);
                order["Amount"] = Math.Round(random.NextDouble() * 1000, 2);
                order["Text"] = RandomText(random, 200 + random.Next(600));
                updated += orders.Update(order) ? 1 : 0;
            }

            database.Commit();
        }

        clock.Lap("update", size.Updates);

        long deleted = 0;
        for (int done = 0; done < size.Deletes; done += size.BatchDocuments)
        {
            database.BeginTrans();
            int batch = Math.Min(size.BatchDocuments, size.Deletes - done);
            for (int i = 0; i < batch; i++)
            {
                deleted += orders.Delete(random.Next(size.Documents)) ? 1 : 0;
            }

            database.Commit();
        }

        clock.Lap("delete", size.Deletes);

        var checksum = new Checksum();
        long returned = RunQueries(orders, size, random, ref checksum);
        results["documents"] = orders.Count();
        clock.Lap("query", size.Categories + size.RangeQueries + size.Lookups);

        close();
        clock.Lap("close", 1);

        results["updated"] = updated;
        results["deleted"] = deleted;
        results["returned"] = returned;
        results["checksum"] = checksum.Value;
        return new EngineRun(engine, clock.Phases, results);
    }

    /// <summary>Opens the database at <paramref name="path"/> with LiteDB's own files, read-only, and counts its documents.</summary>
    public static long CountWithPlainLiteDb(string path)
    {
        using var database = new LiteDatabase($"Filename={path};Connection=direct;ReadOnly=true");
        return database.GetCollection(CollectionName).Count();
    }

    private static long RunQueries(ILiteCollection<BsonDocument> orders, LiteDbWorkloadSize size, Random random, ref Checksum checksum)
    {
        long returned = 0;
        for (int category = 0; category < size.Categories; category++)
        {
            foreach (BsonDocument order in orders.Find(LiteDB.Query.EQ("Category", category)))
            {
                returned++;
                checksum.Add(order["_id"].AsInt32, order["Amount"].AsDouble);
            }
        }

        for (int i = 0; i < size.RangeQueries; i++)
        {
            int first = random.Next(size.Documents);
            foreach (BsonDocument order in orders.Find(LiteDB.Query.Between("_id", first, first + size.RangeDocuments - 1)))
            {
                returned++;
                checksum.Add(order["_id"].AsInt32, order["Text"].AsString.Length);
            }
        }

        for (int i = 0; i < size.Lookups; i++)
        {
            BsonDocument? order = orders.FindById(random.Next(size.Documents));
            if (order is not null)
            {
                returned++;
                checksum.Add(order["_id"].AsInt32, order["Amount"].AsDouble);
            }
        }

        return returned;
    }

    private static BsonDocument NewDocument(int id, LiteDbWorkloadSize size, Random random) => new()
    {
        ["_id"] = id,
        ["Customer"] = "customer-" + random.Next(size.Documents / 10 + 1),
        ["Category"] = random.Next(size.Categories),
        ["Amount"] = Math.Round(random.NextDouble() * 1000, 2),
        ["Text"] = RandomText(random, 200 + random.Next(600)),
    };

    private static string RandomText(Random random, int length)
    {
        var text = new StringBuilder(length);
        while (text.Length < length)
        {
            int wordLength = 2 + random.Next(9);
            for (int i = 0; i < wordLength; i++)
            {
                text.Append((char)('a' + random.Next(26)));
            }

            text.Append(' ');
        }

        return text.ToString(0, length);
    }
}
