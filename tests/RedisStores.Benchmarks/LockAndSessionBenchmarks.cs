using RedisStores.Locking;
using RedisStores.Sessions;
using StackExchange.Redis;

namespace RedisStores.Benchmarks;

/// <summary>The lock service and the session store's hot operations.</summary>
internal static class LockAndSessionBenchmarks
{
    private sealed record Profile(string Name, int Visits, string[] Roles);

    public static async Task<List<Row>> RunAsync(IConnectionMultiplexer connection, LoadDriver driver, int[] concurrencies)
    {
        var rows = new List<Row>();
        var options = new RedisStoresOptions { KeyPrefix = "bench-ls:" };
        var locks = new RedisDistributedLockService(connection, options);
        var sessions = new RedisSessionStore(connection, options, locks: locks);
        var db = connection.GetDatabase();
        for (var i = 0; i < 1000; i++)
        {
            await sessions.SetAsync($"s{i}", new Profile("ada", i, ["reader"]));
        }

        var noExtension = new LockOptions { AutoExtend = false };
        foreach (var concurrency in concurrencies)
        {
            // Each worker its own lock: uncontended acquire + release.
            rows.Add(await driver.RunAsync("lock acquire+release (uncontended)", concurrency, async i =>
            {
                await using var held = await locks.AcquireAsync($"l{i % concurrency}", options: noExtension);
            }));
            rows.Add(await driver.RunAsync("raw SET NX PX + compare-DEL (anchor)", concurrency, async i =>
            {
                var key = $"bench-raw:lock:{i % concurrency}";
                var token = Guid.NewGuid().ToString("N");
                await db.StringSetAsync(key, token, TimeSpan.FromSeconds(30), When.NotExists);
                await db.ScriptEvaluateAsync("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", [key], [token]);
            }));
            rows.Add(await driver.RunAsync("session get", concurrency, i => sessions.GetAsync<Profile>($"s{i % 1000}").AsTask()));
            rows.Add(await driver.RunAsync("session set", concurrency, i => sessions.SetAsync($"s{i % 1000}", new Profile("ada", i, ["reader"])).AsTask()));
            rows.Add(await driver.RunAsync("session field update", concurrency, i => sessions.SetFieldAsync($"s{i % 1000}", "visits", i).AsTask()));
            rows.Add(await driver.RunAsync("session append event", concurrency, i => sessions.AppendEventAsync($"s{i % 1000}", new { page = "/home" }).AsTask()));
        }

        await connection.GetServers().Single().FlushDatabaseAsync();
        return rows;
    }
}
