using RedisStores.Workers;
using StackExchange.Redis;

namespace RedisStores.Benchmarks;

/// <summary>The work queue's round of one job: enqueue, lease, ack; against the bare list commands a hand-written queue sends.</summary>
internal static class WorkerBenchmarks
{
    private sealed record Job(string Kind, int Number);

    public static async Task<List<Row>> RunAsync(IConnectionMultiplexer connection, LoadDriver driver, int[] concurrencies)
    {
        var rows = new List<Row>();
        var store = new RedisWorkerStore(connection, new RedisStoresOptions { KeyPrefix = "bench-w:" });
        var db = connection.GetDatabase();
        foreach (var concurrency in concurrencies)
        {
            // Each op is one job's life: enqueued, leased by a worker, acked. The workers share one queue.
            rows.Add(await driver.RunAsync("worker enqueue + lease + ack", concurrency, async i =>
            {
                await store.EnqueueAsync("jobs", new Job("resize", i));
                var lease = await store.LeaseAsync<Job>("jobs");
                if (lease is not null)
                {
                    await store.AckAsync(lease);
                }
            }));
            rows.Add(await driver.RunAsync("raw LPUSH + LMOVE + LREM pipelined (anchor)", concurrency, async i =>
            {
                var payload = $"{{\"Kind\":\"resize\",\"Number\":{i}}}";
                var push = db.ListLeftPushAsync("bench-raw:jobs", payload);
                var move = db.ListMoveAsync("bench-raw:jobs", "bench-raw:processing", ListSide.Right, ListSide.Left);
                var remove = db.ListRemoveAsync("bench-raw:processing", payload, 1);
                await Task.WhenAll(push, move, remove);
            }));
        }

        await connection.GetServers().Single().FlushDatabaseAsync();
        return rows;
    }
}
