using RedisStores.Caching;
using RedisStores.Serialization;
using RedisStores.Tests.Infrastructure;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;
using static RedisStores.Tests.Caching.CacheTestSupport;

namespace RedisStores.Tests.Caching;

/// <summary>What only the Redis cache has: its commands, its keys, foreign data and its subscription.</summary>
public sealed class RedisCacheStoreSpecificTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (RedisCacheStore Store, string Prefix) NewStore(IConnectionMultiplexer connection, Action<RedisStoresOptions>? configure = null)
    {
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() };
        configure?.Invoke(options);
        return (new RedisCacheStore(connection, options), options.KeyPrefix);
    }

    // Pipelined commands to different nodes complete, and are profiled, in any order.
    private static void AssertCommands(string[] expected, List<string> actual)
        => Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));

    private static async Task<List<string>> CommandsOfAsync(ProfilingSession session, Func<Task> run)
    {
        session.FinishProfiling();
        await run();
        // SET with a TTL shows as SETEX or PSETEX, and a script as EVAL until the server has it, then EVALSHA. Pub/sub
        // traffic is the subscription's own (a reconnect re-subscribes and probes), never an operation's: operations
        // publish from inside their scripts.
        return session.FinishProfiling()
            .Select(c => c.Command switch
            {
                "SETEX" or "PSETEX" => "SET",
                "EVALSHA" => "EVAL",
                var other => other,
            })
            .Where(c => c is not ("SUBSCRIBE" or "UNSUBSCRIBE" or "PUBLISH" or "PING"))
            .ToList();
    }

    [Theory]
    [InlineData(RedisTopology.Standalone)]
    [InlineData(RedisTopology.Cluster)]
    public async Task Each_single_entry_operation_is_one_command_and_a_memory_hit_is_none(RedisTopology topology)
    {
        await using var connection = await redis.Get(topology).ConnectAnotherAsync();
        var (cache, _) = NewStore(connection);
        await using var _ = cache;
        var users = cache.WithNamespace("users");
        var session = new ProfilingSession();
        connection.RegisterProfiler(() => session);
        await users.SetAsync("warm", 1, cancellationToken: Ct);
        await cache.SetAsync("k", "v", cancellationToken: Ct);
        await WaitUntilAsync(async () => await CommandsOfAsync(session, () => cache.GetAsync<string>("k", Ct).AsTask()) is [], "the memory cache answers");

        Assert.Empty(await CommandsOfAsync(session, () => cache.GetAsync<string>("k", Ct).AsTask()));
        Assert.Empty(await CommandsOfAsync(session, () => cache.GetOrSetAsync("k", _ => ValueTask.FromResult("other"), cancellationToken: Ct).AsTask()));
        AssertCommands(["EVAL"], await CommandsOfAsync(session, () => cache.SetAsync("k", "v2", cancellationToken: Ct).AsTask()));
        AssertCommands(["EVAL"], await CommandsOfAsync(session, () => cache.RemoveAsync("k", Ct).AsTask()));
        AssertCommands(["GET"], await CommandsOfAsync(session, () => cache.GetAsync<string>("k", Ct).AsTask()));
        AssertCommands(["EVAL"], await CommandsOfAsync(session, () => users.SetAsync("u", 1, cancellationToken: Ct).AsTask()));
        AssertCommands(["MGET"], await CommandsOfAsync(session, () => users.GetAsync<int>("missing", Ct).AsTask()));
        AssertCommands(["EVAL"], await CommandsOfAsync(session, () => cache.InvalidateNamespaceAsync("users", Ct).AsTask()));
        AssertCommands(["MGET"], await CommandsOfAsync(session, () => users.GetManyAsync<int>(["a", "b", "c"], Ct).AsTask()));
    }

    [Fact]
    public async Task Without_the_memory_cache_a_get_is_exactly_one_GET()
    {
        await using var connection = await redis.Standalone.ConnectAnotherAsync();
        var (cache, _) = NewStore(connection, o => o.Cache.MemoryCache = false);
        var session = new ProfilingSession();
        connection.RegisterProfiler(() => session);
        await cache.SetAsync("k", "v", cancellationToken: Ct);

        for (var i = 0; i < 3; i++)
        {
            AssertCommands(["GET"], await CommandsOfAsync(session, () => cache.GetAsync<string>("k", Ct).AsTask()));
        }

        Assert.Equal(0, cache.GetStats().MemoryCacheCapacity);
    }

    [Theory]
    [InlineData(RedisTopology.Standalone)]
    [InlineData(RedisTopology.Cluster)]
    public async Task A_batch_is_one_command_per_hash_slot_sent_together_and_reads_back_every_key(RedisTopology topology)
    {
        await using var connection = await redis.Get(topology).ConnectAnotherAsync();
        var (cache, _) = NewStore(connection, o => o.Cache.MemoryCache = false);
        var items = Enumerable.Range(0, 200).Select(i => KeyValuePair.Create($"item:{i}", i)).ToList();
        var session = new ProfilingSession();
        connection.RegisterProfiler(() => session);

        var writes = await CommandsOfAsync(session, () => cache.SetManyAsync(items, cancellationToken: Ct).AsTask());
        IReadOnlyDictionary<string, int> read = new Dictionary<string, int>();
        var reads = await CommandsOfAsync(session, async () => read = await cache.GetManyAsync<int>(items.Select(i => i.Key), Ct));

        Assert.Equal(items.ToDictionary(i => i.Key, i => i.Value), read);
        Assert.All(writes, c => Assert.Equal("EVAL", c));
        Assert.All(reads, c => Assert.Equal("MGET", c));
        if (topology == RedisTopology.Cluster)
        {
            Assert.True(reads.Count > 100, $"{reads.Count} MGETs: on a cluster, 200 keys spread over many slots");
            Assert.Equal(reads.Count, writes.Count);
        }
        else
        {
            Assert.Single(reads);
            Assert.Single(writes);
        }
    }

    [Fact]
    public async Task Plain_entries_spread_over_the_cluster_and_a_namespace_stays_in_one_slot()
    {
        var connection = redis.Cluster.Connection;
        var (cache, prefix) = NewStore(connection);
        await cache.SetManyAsync(Enumerable.Range(0, 50).Select(i => KeyValuePair.Create($"k{i}", i)), cancellationToken: Ct);
        await cache.WithNamespace("tenant").SetManyAsync(Enumerable.Range(0, 50).Select(i => KeyValuePair.Create($"k{i}", i)), cancellationToken: Ct);

        var plainSlots = Enumerable.Range(0, 50).Select(i => ClusterSlot.Of($"{prefix}cache:k:k{i}")).ToHashSet();
        var namespaceSlots = Enumerable.Range(0, 50).Select(i => ClusterSlot.Of($"{prefix}cache:n:{{tenant}}:k:k{i}")).Append(ClusterSlot.Of($"{prefix}cache:n:{{tenant}}:v")).ToHashSet();

        Assert.True(plainSlots.Count > 40);
        Assert.Single(namespaceSlots);
        Assert.True(await connection.GetDatabase().KeyExistsAsync($"{prefix}cache:k:k7"));
        Assert.True(await connection.GetDatabase().KeyExistsAsync($"{prefix}cache:n:{{tenant}}:k:k7"));
    }

    [Fact]
    public async Task Invalidating_a_namespace_is_one_command_however_many_keys_it_holds_and_its_version_outlives_them()
    {
        await using var connection = await redis.Standalone.ConnectAnotherAsync();
        var (cache, prefix) = NewStore(connection);
        var big = cache.WithNamespace("big");
        for (var i = 0; i < 10; i++)
        {
            await big.SetManyAsync(Enumerable.Range(i * 500, 500).Select(k => KeyValuePair.Create($"k{k}", k)), new CacheEntryOptions { Ttl = TimeSpan.FromMinutes(i + 1) }, Ct);
        }

        await big.SetAsync("short", 1, new CacheEntryOptions { Ttl = TimeSpan.FromSeconds(5) }, Ct);
        var db = connection.GetDatabase();
        var versionTtl = await db.KeyTimeToLiveAsync($"{prefix}cache:n:{{big}}:v");
        Assert.InRange(versionTtl!.Value, TimeSpan.FromMinutes(9.5), TimeSpan.FromMinutes(10)); // the longest entry's TTL, not the last

        var session = new ProfilingSession();
        connection.RegisterProfiler(() => session);
        AssertCommands(["EVAL"], await CommandsOfAsync(session, () => cache.InvalidateNamespaceAsync("big", Ct).AsTask()));

        Assert.Empty(await big.GetManyAsync<int>(Enumerable.Range(0, 5000).Select(k => $"k{k}"), Ct));
        Assert.InRange((await db.KeyTimeToLiveAsync($"{prefix}cache:n:{{big}}:v"))!.Value, TimeSpan.FromMinutes(9.5), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task An_entry_whose_namespace_version_is_gone_is_never_read_again()
    {
        await using var connection = await redis.Standalone.ConnectAnotherAsync();
        var (cache, prefix) = NewStore(connection, o => o.Cache.MemoryCache = false);
        var ns = cache.WithNamespace("n");
        await ns.SetAsync("k", 1, cancellationToken: Ct);

        await connection.GetDatabase().KeyDeleteAsync($"{prefix}cache:n:{{n}}:v"); // evicted under memory pressure, say

        Assert.False((await ns.TryGetAsync<int>("k", Ct)).HasValue);
        await ns.SetAsync("k2", 2, cancellationToken: Ct); // a new version
        Assert.False((await ns.TryGetAsync<int>("k", Ct)).HasValue);
        Assert.Equal(2, await ns.GetAsync<int>("k2", Ct));
    }

    [Fact]
    public async Task Data_this_cache_did_not_write_is_reported_not_misread()
    {
        await using var connection = await redis.Standalone.ConnectAnotherAsync();
        var (cache, prefix) = NewStore(connection, o => o.Cache.MemoryCache = false);
        var db = connection.GetDatabase();
        await db.StringSetAsync($"{prefix}cache:k:text", "plain text written by something else");
        await db.StringSetAsync($"{prefix}cache:k:short", new byte[] { 0xFE, 0 });
        await db.HashSetAsync($"{prefix}cache:k:hash", "f", "v");
        await db.HashSetAsync($"{prefix}cache:n:{{bad}}:v", "f", "v");

        var foreign = await Assert.ThrowsAsync<StoreDataException>(() => cache.GetAsync<string>("text", Ct).AsTask());
        Assert.Contains("'text'", foreign.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StoreDataException>(() => cache.GetAsync<string>("short", Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => cache.GetManyAsync<string>(["text", "fine"], Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => cache.GetAsync<string>("hash", Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => cache.GetOrSetAsync("text", _ => ValueTask.FromResult("x"), cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => cache.WithNamespace("bad").SetAsync("k", 1, cancellationToken: Ct).AsTask());

        // A write replaces foreign data with the cache's own.
        await cache.SetAsync("text", "mine", cancellationToken: Ct);
        Assert.Equal("mine", await cache.GetAsync<string>("text", Ct));
    }

    [Fact]
    public async Task A_killed_subscription_clears_the_memory_cache_which_fills_again_once_invalidations_flow()
    {
        // A server of its own: killing every pub/sub client of the shared one would cut other tests' subscriptions.
        await using var server = await redis.StartOwnServerAsync();
        var prefix = RedisEnvironment.UniquePrefix();
        await using var connectionA = await ConnectionMultiplexer.ConnectAsync(server.EndPoint);
        await using var connectionB = await ConnectionMultiplexer.ConnectAsync(server.EndPoint);
        var options = new RedisStoresOptions { KeyPrefix = prefix, Cache = { MemoryCacheTtl = TimeSpan.FromMinutes(10) } };
        await using var a = new RedisCacheStore(connectionA, options);
        await using var b = new RedisCacheStore(connectionB, options);
        await ConnectAsync(a, b);
        await a.SetAsync("k", "before", cancellationToken: Ct);
        await WaitUntilAsync(async () => await b.GetAsync<string>("k", Ct) == "before", "B reads the first value");
        await b.GetAsync<string>("k", Ct);
        Assert.True(b.GetStats().MemoryCacheCount > 0);

        var admin = connectionA.GetServers().Single();
        await admin.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        await a.SetAsync("k", "while-away", cancellationToken: Ct); // B may well miss this invalidation

        await WaitUntilAsync(() => b.GetStats().MemoryCacheClears >= 1, "B clears its memory cache on reconnect");
        Assert.Equal("while-away", await b.GetAsync<string>("k", Ct));
        await WaitUntilAsync(async () =>
        {
            await b.GetAsync<string>("k", Ct);
            return b.GetStats().MemoryCacheCount > 0;
        }, "B's memory cache fills again after the probe came back");

        // And invalidations flow again.
        var received = b.GetStats().InvalidationsReceived;
        await a.SetAsync("k", "after", cancellationToken: Ct);
        await WaitUntilAsync(() => b.GetStats().InvalidationsReceived > received, "B receives invalidations again");
        Assert.Equal("after", await b.GetAsync<string>("k", Ct));
    }

    [Fact]
    public async Task A_read_that_fetched_a_value_before_this_instance_wrote_a_new_one_never_stores_the_old_one()
    {
        var prefix = RedisEnvironment.UniquePrefix();
        await using var connectionA = await redis.Standalone.ConnectAnotherAsync();
        await using var connectionB = await redis.Standalone.ConnectAnotherAsync();
        var options = new RedisStoresOptions { KeyPrefix = prefix, Cache = { MemoryCacheTtl = TimeSpan.FromMinutes(10) } };
        var serializer = new GatedSerializer();
        await using var a = new RedisCacheStore(connectionA, options);
        await using var b = new RedisCacheStore(connectionB, options, serializer);
        await ConnectAsync(a, b);
        await a.SetAsync("k", "old", cancellationToken: Ct); // B holds nothing for it: its read goes to Redis

        serializer.HoldNextRead();
        var read = b.GetAsync<string>("k", Ct).AsTask();
        await serializer.ReadHeld.WaitAsync(TimeSpan.FromSeconds(30), Ct); // B has "old" from Redis, not yet in memory
        await b.SetAsync("k", "new", cancellationToken: Ct);
        serializer.Release();

        Assert.Equal("old", await read); // it was current when read
        Assert.Equal("new", await b.GetAsync<string>("k", Ct));
        Assert.Equal("new", await b.GetAsync<string>("k", Ct));
    }

    /// <summary>JSON, with a way to hold one read between Redis's answer and the memory cache.</summary>
    private sealed class GatedSerializer : IStoreSerializer
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _release = new(false);
        private int _hold;

        public Task ReadHeld => _held.Task;

        public void HoldNextRead() => Volatile.Write(ref _hold, 1);

        public void Release() => _release.Set();

        public byte[] Serialize<T>(T value) => JsonStoreSerializer.Default.Serialize(value);

        public T Deserialize<T>(ReadOnlySpan<byte> data)
        {
            if (Interlocked.Exchange(ref _hold, 0) == 1)
            {
                _held.SetResult();
                _release.Wait(TimeSpan.FromSeconds(30));
            }

            return JsonStoreSerializer.Default.Deserialize<T>(data);
        }
    }

    [Fact]
    public async Task The_memory_cache_stays_within_its_size_while_redis_keeps_every_entry()
    {
        await using var connection = await redis.Standalone.ConnectAnotherAsync();
        var (cache, _) = NewStore(connection, o => o.Cache.MemoryCacheSize = 10);
        await using var _ = cache;
        await SubscribedAsync(cache);

        for (var i = 0; i < 50; i++)
        {
            await cache.SetAsync($"k{i}", i, cancellationToken: Ct);
        }

        var stats = cache.GetStats();
        Assert.True(stats.MemoryCacheCount <= 10, $"{stats.MemoryCacheCount} entries in memory");
        Assert.True(stats.Evictions >= 40, $"{stats.Evictions} evictions");
        Assert.Equal(50, (await cache.GetManyAsync<int>(Enumerable.Range(0, 50).Select(i => $"k{i}"), Ct)).Count);
    }

    [Fact]
    public async Task A_change_whose_message_is_lost_is_read_stale_at_most_for_the_memory_ttl()
    {
        await using var connection = await redis.Standalone.ConnectAnotherAsync();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var prefix = RedisEnvironment.UniquePrefix();
        await using var cache = new RedisCacheStore(connection, new RedisStoresOptions { KeyPrefix = prefix, Cache = { MemoryCacheTtl = TimeSpan.FromSeconds(30) } }, timeProvider: clock);
        await SubscribedAsync(cache);
        await cache.SetAsync("k", "old", cancellationToken: Ct);
        await cache.SetAsync("other", "new", cancellationToken: Ct);
        await WaitUntilInMemoryAsync(cache, "k");

        // Another writer changes the value without any message reaching this instance.
        var db = connection.GetDatabase();
        await db.StringSetAsync($"{prefix}cache:k:k", await db.StringGetAsync($"{prefix}cache:k:other"), TimeSpan.FromMinutes(5));

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("old", await cache.GetAsync<string>("k", Ct)); // still within the memory TTL
        var redisHits = cache.GetStats().RedisHits;
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("new", await cache.GetAsync<string>("k", Ct)); // past it: asked Redis again
        Assert.Equal(redisHits + 1, cache.GetStats().RedisHits);
    }
}
