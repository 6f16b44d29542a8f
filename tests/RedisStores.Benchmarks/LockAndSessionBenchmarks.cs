using RedisStores.Locking;
using RedisStores.Sessions;
using StackExchange.Redis;

namespace RedisStores.Benchmarks;

/// <summary>The lock rows (<see cref="LockBenchmarks"/>), then the session store's hot operations.</summary>
internal static class LockAndSessionBenchmarks
{
    private sealed record Profile(string Name, int Visits, string[] Roles);

    public static async Task<List<Row>> RunAsync(IConnectionMultiplexer connection, LoadDriver driver, int[] concurrencies)
    {
        var rows = await LockBenchmarks.RunAsync(connection, driver, concurrencies);
        var options = new RedisStoresOptions { KeyPrefix = "bench-ls:" };
        var locks = new RedisDistributedLockService(connection, options);
        var sessions = new RedisSessionStore(connection, options, locks: locks);
        for (var i = 0; i < 1000; i++)
        {
            await sessions.SetAsync($"s{i}", new Profile("ada", i, ["reader"]));
        }

        foreach (var concurrency in concurrencies)
        {
            rows.Add(await driver.RunAsync("session get", concurrency, i => sessions.GetAsync<Profile>($"s{i % 1000}").AsTask()));
            rows.Add(await driver.RunAsync("session set", concurrency, i => sessions.SetAsync($"s{i % 1000}", new Profile("ada", i, ["reader"])).AsTask()));
            rows.Add(await driver.RunAsync("session field update", concurrency, i => sessions.SetFieldAsync($"s{i % 1000}", "visits", i).AsTask()));
            rows.Add(await driver.RunAsync("session append event", concurrency, i => sessions.AppendEventAsync($"s{i % 1000}", new { page = "/home" }).AsTask()));
        }

        await connection.GetServers().Single().FlushDatabaseAsync();
        return rows;
    }
}
