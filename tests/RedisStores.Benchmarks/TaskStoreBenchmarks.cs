using System.Diagnostics;
using RedisStores.Tasks;
using StackExchange.Redis;

namespace RedisStores.Benchmarks;

/// <summary>The task store's operations, next to raw StackExchange.Redis doing the least the same job needs.</summary>
internal static class TaskStoreBenchmarks
{
    public static async Task<List<Row>> RunOperationsAsync(IConnectionMultiplexer connection, LoadDriver driver, int[] concurrencies)
    {
        var rows = new List<Row>();
        var store = new RedisTaskStore(connection, new RedisStoresOptions { KeyPrefix = "bench-ops:" });
        var db = connection.GetDatabase();
        var seeded = new List<string>();
        for (var i = 0; i < 1000; i++)
        {
            seeded.Add((await store.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromHours(1) })).Id);
        }

        var result = new { rows = 1204, sheets = new[] { "a", "b", "c" } };
        foreach (var concurrency in concurrencies)
        {
            rows.Add(await driver.RunAsync("task create", concurrency, _ => store.CreateAsync().AsTask()));
            rows.Add(await driver.RunAsync("raw HSET+PEXPIRE+ZADD (anchor)", concurrency, i =>
            {
                var key = $"bench-raw:{{t}}:{concurrency}:{i}";
                var tx = db.CreateTransaction();
                _ = tx.HashSetAsync(key, [new("st", "working"), new("c", i), new("ttl", 3_600_000)]);
                _ = tx.KeyExpireAsync(key, TimeSpan.FromHours(1));
                _ = tx.SortedSetAddAsync("bench-raw:{t}:idx", key, i);
                return tx.ExecuteAsync();
            }));
            rows.Add(await driver.RunAsync("task get", concurrency, i => store.GetAsync(seeded[i % seeded.Count]).AsTask()));
            rows.Add(await driver.RunAsync("raw HGETALL (anchor)", concurrency, i => db.HashGetAllAsync($"bench-ops:{{tasks}}:t:{seeded[i % seeded.Count]}")));
            rows.Add(await driver.RunAsync("task update status", concurrency, i => store.UpdateStatusAsync(seeded[i % seeded.Count], (i & 1) == 0 ? TaskState.Working : TaskState.InputRequired, "step").AsTask()));
            rows.Add(await driver.RunAsync("task create + set result", concurrency, async _ =>
            {
                var task = await store.CreateAsync();
                await store.SetResultAsync(task.Id, result);
            }));
            rows.Add(await driver.RunAsync("task list page of 100", concurrency, _ => store.ListAsync(new TaskQuery { PageSize = 100 }).AsTask()));
            rows.Add(await driver.RunAsync("task stats", concurrency, _ => store.GetStatsAsync().AsTask()));
        }

        await connection.GetServers().Single().FlushDatabaseAsync();
        return rows;
    }

    /// <summary>Listing and stats latency as the keyspace grows around the store, and as the store itself grows.</summary>
    public static async Task<IReadOnlyList<ScalingRow>> RunScalingAsync(IConnectionMultiplexer connection, int largeStore, int unrelatedKeys)
    {
        var lines = new List<ScalingRow>();
        var server = connection.GetServers().Single();
        foreach (var (tasks, noise) in new[] { (1000, 0), (1000, unrelatedKeys), (largeStore, 0) })
        {
            await server.FlushDatabaseAsync();
            if (noise > 0)
            {
                await server.ExecuteAsync("DEBUG", "POPULATE", noise, "noise");
            }

            var store = new RedisTaskStore(connection, new RedisStoresOptions { KeyPrefix = "bench-scale:" });
            for (var done = 0; done < tasks; done += 1000)
            {
                await Task.WhenAll(Enumerable.Range(0, Math.Min(1000, tasks - done)).Select(_ => store.CreateAsync().AsTask()));
            }

            var list = await MedianMicrosAsync(() => store.ListAsync(new TaskQuery { PageSize = 100 }).AsTask());
            var stats = await MedianMicrosAsync(() => store.GetStatsAsync().AsTask());
            lines.Add(new ScalingRow(tasks, noise, await server.DatabaseSizeAsync(), list, stats));
        }

        await server.FlushDatabaseAsync();
        return lines;
    }

    private static async Task<double> MedianMicrosAsync(Func<Task> op)
    {
        var samples = new List<double>();
        for (var i = 0; i < 201; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await op();
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }

        return Suite.Median(samples);
    }
}
