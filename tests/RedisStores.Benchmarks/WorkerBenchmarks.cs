using System.Collections.Concurrent;
using System.Diagnostics;
using RedisStores.Workers;
using StackExchange.Redis;

namespace RedisStores.Benchmarks;

/// <summary>
/// The work queue's round of one job: enqueued, leased by a worker, acked; against the bare list commands a
/// hand-written queue sends. Each op is one job's life, and the workers share one queue.
/// </summary>
internal static class WorkerBenchmarks
{
    private sealed record Job(string Kind, int Number);

    public static async Task<List<Row>> RunAsync(IConnectionMultiplexer connection, LoadDriver driver, int[] concurrencies)
    {
        var rows = new List<Row>();
        var store = new RedisWorkerStore(connection, new RedisStoresOptions { KeyPrefix = "bench-w:" });
        var db = connection.GetDatabase();

        // The leases workers hold between ops: a worker that finished a job acks it and takes the next in one call.
        var held = new ConcurrentQueue<JobLease<Job>>();
        Func<int, Task> worker = async i =>
        {
            await store.EnqueueAsync("jobs", new Job("resize", i));
            var lease = held.TryDequeue(out var done)
                ? await store.AckAndLeaseNextAsync(done)
                : await store.LeaseAsync<Job>("jobs"); // a worker starting out, or one that found nothing ready
            if (lease is not null)
            {
                held.Enqueue(lease);
            }
        };
        // A producer's enqueue and a worker's ack-and-lease-next sent together, as callers sharing one connection
        // overlap: one round trip per job, as the anchor pipelines its producer's and worker's commands.
        var heldPipelined = new ConcurrentQueue<JobLease<Job>>();
        Func<int, Task> pipelined = async i =>
        {
            var enqueued = store.EnqueueAsync("jobs2", new Job("resize", i));
            var next = heldPipelined.TryDequeue(out var done) ? store.AckAndLeaseNextAsync(done) : store.LeaseAsync<Job>("jobs2");
            await enqueued;
            if (await next is { } lease)
            {
                heldPipelined.Enqueue(lease);
            }
        };
        Func<int, Task> threeCalls = async i =>
        {
            await store.EnqueueAsync("jobs3", new Job("resize", i));
            var lease = await store.LeaseAsync<Job>("jobs3");
            if (lease is not null)
            {
                await store.AckAsync(lease);
            }
        };
        Func<int, Task> raw = i =>
        {
            var payload = $"{{\"Kind\":\"resize\",\"Number\":{i}}}";
            var push = db.ListLeftPushAsync("bench-raw:jobs", payload);
            var move = db.ListMoveAsync("bench-raw:jobs", "bench-raw:processing", ListSide.Right, ListSide.Left);
            var remove = db.ListRemoveAsync("bench-raw:processing", payload, 1);
            return Task.WhenAll(push, move, remove);
        };

        foreach (var concurrency in concurrencies)
        {
            // Enqueue, then ack the job held and lease the next in one call: two round trips per job, as a worker loop
            // built on AckAndLeaseNextAsync runs.
            rows.Add(await RunWarmAsync(driver, "worker enqueue + lease + ack", concurrency, worker));
            rows.Add(await RunWarmAsync(driver, "worker enqueue + lease + ack, as three calls (EnqueueAsync, LeaseAsync, AckAsync)", concurrency, threeCalls));
            rows.Add(await RunWarmAsync(driver, "worker enqueue + lease + ack, enqueue and ack-and-lease-next pipelined", concurrency, pipelined));
            rows.Add(await RunWarmAsync(driver, "raw LPUSH + LMOVE + LREM pipelined (anchor)", concurrency, raw));
        }

        await connection.GetServers().Single().FlushDatabaseAsync();
        return rows;
    }

    // The driver warms up with a few dozen ops; the scripts' client paths need about a second of load before the JIT
    // has compiled them fully, so each row, anchor included, first runs for that long at its concurrency.
    private static async Task<Row> RunWarmAsync(LoadDriver driver, string operation, int concurrency, Func<int, Task> op)
    {
        var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var i = w * 1_000_000;
            while (Stopwatch.GetTimestamp() < until)
            {
                await op(i++);
            }
        })));
        return await driver.RunAsync(operation, concurrency, op);
    }
}
