using RedisStores.Caching;
using RedisStores.Tests.Infrastructure;
using StackExchange.Redis;
using static RedisStores.Tests.Caching.CacheTestSupport;

namespace RedisStores.Tests.Caching;

/// <summary>The fixture's own redis-server stopped under a working cache, and started again.</summary>
public sealed class RedisCacheFaultTests(RedisEnvironment redis)
{
    // A bound against hangs, far above RedisTimeout: a call that takes longer is stuck, not slow.
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<IConnectionMultiplexer> ConnectAsync(int port, int commandTimeoutMs = 1000)
    {
        var configuration = ConfigurationOptions.Parse($"127.0.0.1:{port}");
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 500;
        configuration.AsyncTimeout = commandTimeoutMs;
        configuration.SyncTimeout = commandTimeoutMs;
        configuration.ReconnectRetryPolicy = new LinearRetry(200);
        return await ConnectionMultiplexer.ConnectAsync(configuration);
    }

    private static Task<T> Bounded<T>(ValueTask<T> call) => call.AsTask().WaitAsync(Hang, Ct);

    private static Task Bounded(ValueTask call) => call.AsTask().WaitAsync(Hang, Ct);

    [Fact]
    public async Task With_redis_stopped_the_cache_answers_from_memory_runs_factories_counts_failures_and_recovers()
    {
        var port = RedisServerProcess.FreePort(needsBusPort: false);
        var server = await redis.StartOwnServerAsync(port);
        await using var connection = await ConnectAsync(port);
        await using var otherConnection = await ConnectAsync(port);
        var options = new RedisStoresOptions
        {
            KeyPrefix = RedisEnvironment.UniquePrefix(),
            Cache = { MemoryCacheTtl = TimeSpan.FromMilliseconds(200), RedisTimeout = TimeSpan.FromMilliseconds(500) },
        };
        await using var cache = new RedisCacheStore(connection, options);
        await using var other = new RedisCacheStore(otherConnection, options);
        var strict = new RedisCacheStore(connection, new RedisStoresOptions { KeyPrefix = options.KeyPrefix, Cache = { ThrowOnRedisErrors = true } });
        await SubscribedAsync(cache);
        await cache.SetAsync("known", "kept in memory", cancellationToken: Ct);
        await cache.WithNamespace("n").SetAsync("known", "scoped", cancellationToken: Ct);
        await WaitUntilAsync(
            async () =>
            {
                var hits = cache.GetStats().MemoryHits;
                await cache.GetAsync<string>("known", Ct);
                await cache.WithNamespace("n").GetAsync<string>("known", Ct);
                return cache.GetStats().MemoryHits == hits + 2;
            },
            "both values are in the memory cache (subscribing clears it once)");

        await server.DisposeAsync();
        await WaitUntilAsync(() => !connection.IsConnected, "the client notices the server is gone");
        await Task.Delay(300, Ct); // past the memory TTL: a read now asks Redis first

        // Reads: what memory still holds within its TTL, else a miss; never an exception.
        Assert.Equal("kept in memory", await Bounded(cache.GetAsync<string>("known", Ct)));
        Assert.Equal("scoped", await Bounded(cache.WithNamespace("n").GetAsync<string>("known", Ct)));
        Assert.False((await Bounded(cache.TryGetAsync<string>("unknown", Ct))).HasValue);
        Assert.Equal(["known"], (await Bounded(cache.GetManyAsync<string>(["known", "unknown"], Ct))).Keys);

        // Get-or-set still runs its factory, and keeps the value in memory for the next caller.
        var runs = 0;
        ValueTask<string> Factory(CancellationToken _)
        {
            runs++;
            return ValueTask.FromResult("made while down");
        }

        Assert.Equal("made while down", await Bounded(cache.GetOrSetAsync("new", Factory, cancellationToken: Ct)));
        Assert.Equal("made while down", await Bounded(cache.GetOrSetAsync("new", Factory, cancellationToken: Ct)));
        Assert.Equal(1, runs);

        // Writes are logged and counted, not thrown; unless the store is told to throw.
        var errors = cache.GetStats().RedisErrors;
        await Bounded(cache.SetAsync("written", 1, cancellationToken: Ct));
        await Bounded(cache.RemoveAsync("known", Ct));
        await Bounded(cache.InvalidateNamespaceAsync("n", Ct));
        await Bounded(cache.SetManyAsync([KeyValuePair.Create("a", 1)], cancellationToken: Ct));
        Assert.True(cache.GetStats().RedisErrors >= errors + 4, $"{cache.GetStats().RedisErrors - errors} failures counted");
        await Assert.ThrowsAsync<StoreUnavailableException>(() => Bounded(strict.SetAsync("k", 1, cancellationToken: Ct)));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => Bounded(strict.GetAsync<int>("k", Ct)));

        // Back up (empty: no persistence): the cache reconnects, clears what memory held, and instances agree again.
        await using var restarted = await redis.StartOwnServerAsync(port);
        await WaitUntilAsync(
            async () =>
            {
                await cache.SetAsync("shared", "after restart", cancellationToken: Ct);
                return await other.GetAsync<string>("shared", Ct) == "after restart";
            },
            "a write on one instance is read on the other after the restart");
        await WaitUntilAsync(() => cache.GetStats().MemoryCacheClears >= 1, "the memory cache is cleared on reconnect");
        Assert.False((await cache.TryGetAsync<string>("new", Ct)).HasValue); // made while down, never reached Redis
        await strict.SetAsync("k", 2, cancellationToken: Ct);
        Assert.Equal(2, await strict.GetAsync<int>("k", Ct));
    }

    [Fact]
    public async Task A_fail_safe_value_in_memory_outlives_an_outage_of_both_redis_and_the_factory()
    {
        var port = RedisServerProcess.FreePort(needsBusPort: false);
        var server = await redis.StartOwnServerAsync(port);
        await using var connection = await ConnectAsync(port);
        await using var cache = new RedisCacheStore(connection, new RedisStoresOptions
        {
            KeyPrefix = RedisEnvironment.UniquePrefix(),
            Cache = { FailSafe = true, RedisTimeout = TimeSpan.FromMilliseconds(500) },
        });
        var shortLived = new CacheEntryOptions { Ttl = TimeSpan.FromMilliseconds(300) };
        await SubscribedAsync(cache);
        Assert.Equal(1.5m, await cache.GetOrSetAsync("rate", _ => ValueTask.FromResult(1.5m), shortLived, Ct));

        // A reconnect at start-up would have the memory cache keep nothing until its probe returns: write until it holds it.
        await WaitUntilAsync(
            async () =>
            {
                await cache.SetAsync("rate", 1.5m, shortLived, Ct);
                return cache.GetStats().MemoryCacheCount == 1;
            },
            "the memory cache holds the fail-safe value");

        await server.DisposeAsync();
        await WaitUntilAsync(() => !connection.IsConnected, "the client notices the server is gone");
        await Task.Delay(500, Ct); // the value's TTL is over

        Assert.False((await Bounded(cache.TryGetAsync<decimal>("rate", Ct))).HasValue);
        Assert.Equal(1.5m, await Bounded(cache.GetOrSetAsync<decimal>("rate", _ => throw new TimeoutException("rates service down"), shortLived, Ct)));
        Assert.Equal(1, cache.GetStats().FailSafeUses);
    }

    [Fact]
    public async Task A_host_started_while_redis_is_down_serves_misses_and_factories_until_it_comes_up()
    {
        var port = RedisServerProcess.FreePort(needsBusPort: false);
        await using var connection = await ConnectAsync(port);
        var prefix = RedisEnvironment.UniquePrefix();
        await using var cache = new RedisCacheStore(connection, new RedisStoresOptions
        {
            KeyPrefix = prefix,
            Cache = { RedisTimeout = TimeSpan.FromMilliseconds(300) },
        });

        Assert.False((await Bounded(cache.TryGetAsync<int>("k", Ct))).HasValue);
        Assert.Equal(5, await Bounded(cache.GetOrSetAsync("k", _ => ValueTask.FromResult(5), cancellationToken: Ct)));
        Assert.True(cache.GetStats().RedisErrors > 0);

        await using var server = await redis.StartOwnServerAsync(port);
        await WaitUntilAsync(
            async () =>
            {
                await cache.SetAsync("up", 1, cancellationToken: Ct);
                return await connection.GetDatabase().KeyExistsAsync($"{prefix}cache:k:up");
            },
            "the cache writes to Redis once it is up");
        Assert.Equal(1, await cache.GetAsync<int>("up", Ct));
    }

    [Fact]
    public async Task A_server_that_stops_answering_costs_each_call_at_most_the_redis_timeout()
    {
        await using var server = await redis.StartOwnServerAsync();
        await using var connection = await ConnectAsync(server.Port, commandTimeoutMs: 30_000); // only the cache's own timeout can answer in time
        await using var admin = await ConnectAsync(server.Port);
        await using var cache = new RedisCacheStore(connection, new RedisStoresOptions
        {
            KeyPrefix = RedisEnvironment.UniquePrefix(),
            Cache = { RedisTimeout = TimeSpan.FromMilliseconds(200), MemoryCacheTtl = TimeSpan.FromMilliseconds(1) },
        });
        await SubscribedAsync(cache);
        await cache.SetAsync("k", "v", new CacheEntryOptions { MemoryCacheTtl = TimeSpan.FromMinutes(1) }, Ct);
        await WaitUntilInMemoryAsync(cache, "k");

        // Connected but silent: without the cache's own timeout, commands would wait for StackExchange.Redis's (seconds).
        // The pause cannot be lifted early (it holds the admin connection too): it simply runs out. StackExchange.Redis
        // would wait 30 s, so each call coming back within the 4 s bound is the cache's 200 ms timeout at work.
        await admin.GetServers().Single().ExecuteAsync("CLIENT", "PAUSE", "6000", "ALL");
        var errors = cache.GetStats().RedisErrors;
        var within = TimeSpan.FromSeconds(4);
        Assert.Equal("v", await cache.GetAsync<string>("k", Ct).AsTask().WaitAsync(within, Ct)); // from memory, within its TTL
        Assert.False((await cache.TryGetAsync<string>("other", Ct).AsTask().WaitAsync(within, Ct)).HasValue);
        Assert.Empty(await cache.WithNamespace("n").GetManyAsync<string>(["a", "b"], Ct).AsTask().WaitAsync(within, Ct));
        Assert.Equal(1, await cache.GetOrSetAsync("made", _ => ValueTask.FromResult(1), cancellationToken: Ct).AsTask().WaitAsync(within, Ct));
        await cache.SetAsync("w", 1, cancellationToken: Ct).AsTask().WaitAsync(within, Ct);
        Assert.Equal(errors + 5, cache.GetStats().RedisErrors); // the memory hit asked nothing; get-or-set failed its read and its write
    }
}
