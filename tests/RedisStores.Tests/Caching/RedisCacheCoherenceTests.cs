using RedisStores.Caching;
using RedisStores.Tests.Infrastructure;
using StackExchange.Redis;
using static RedisStores.Tests.Caching.CacheTestSupport;

namespace RedisStores.Tests.Caching;

/// <summary>Two instances, each with its memory cache, on connections of their own: what one writes the other never reads stale.</summary>
public sealed class RedisCacheCoherenceTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RedisCacheStore NewStore(IConnectionMultiplexer connection, string prefix, Action<RedisStoresOptions>? configure = null)
    {
        var options = new RedisStoresOptions { KeyPrefix = prefix, Cache = { MemoryCacheTtl = TimeSpan.FromMinutes(10) } };
        configure?.Invoke(options);
        return new RedisCacheStore(connection, options);
    }

    [Theory]
    [InlineData(RedisTopology.Standalone)]
    [InlineData(RedisTopology.Cluster)]
    public async Task A_write_on_one_instance_is_never_read_stale_on_another_once_its_invalidation_arrived(RedisTopology topology)
    {
        await using var connectionA = await redis.Get(topology).ConnectAnotherAsync();
        await using var connectionB = await redis.Get(topology).ConnectAnotherAsync();
        var prefix = RedisEnvironment.UniquePrefix();
        await using var a = NewStore(connectionA, prefix);
        await using var b = NewStore(connectionB, prefix);
        await ConnectAsync(a, b);
        var ns = b.WithNamespace("tenant:1");

        // A reader on B races every write; once B has received write i's invalidation, it must never see less than i.
        var confirmed = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var stale = new List<string>();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var floor = Volatile.Read(ref confirmed);
                var plain = await b.GetAsync<int>("counter", Ct);
                var scoped = await ns.GetAsync<int>("counter", Ct);
                if (plain < floor || scoped < floor)
                {
                    lock (stale)
                    {
                        stale.Add($"read {plain}/{scoped} after write {floor} was confirmed");
                    }
                }
            }
        }, Ct);

        for (var i = 1; i <= 150; i++)
        {
            var received = b.GetStats().InvalidationsReceived;
            await a.SetAsync("counter", i, cancellationToken: Ct);
            await a.WithNamespace("tenant:1").SetAsync("counter", i, cancellationToken: Ct);
            await WaitUntilAsync(() => b.GetStats().InvalidationsReceived >= received + 2, $"B received the invalidations of write {i}");
            Volatile.Write(ref confirmed, i);
            Assert.Equal(i, await b.GetAsync<int>("counter", Ct));
            Assert.Equal(i, await ns.GetAsync<int>("counter", Ct));
        }

        await stop.CancelAsync();
        await reader;
        Assert.Empty(stale);
        Assert.True(b.GetStats().MemoryHits > 150, $"B's memory cache answered {b.GetStats().MemoryHits} reads; the test must exercise it.");
    }

    [Fact]
    public async Task A_remove_or_a_namespace_invalidation_on_one_instance_evicts_the_other_instances_memory_cache()
    {
        await using var connectionA = await redis.Standalone.ConnectAnotherAsync();
        await using var connectionB = await redis.Standalone.ConnectAnotherAsync();
        var prefix = RedisEnvironment.UniquePrefix();
        await using var a = NewStore(connectionA, prefix);
        await using var b = NewStore(connectionB, prefix);
        await ConnectAsync(a, b);
        var before = b.GetStats().InvalidationsReceived;
        await a.SetAsync("gone", "x", cancellationToken: Ct);
        await a.WithNamespace("users").SetManyAsync([KeyValuePair.Create("u1", 1), KeyValuePair.Create("u2", 2)], cancellationToken: Ct);
        await WaitUntilAsync(() => b.GetStats().InvalidationsReceived >= before + 2, "B received the invalidations of A's writes");
        Assert.Equal("x", await b.GetAsync<string>("gone", Ct));
        Assert.Equal(2, (await b.WithNamespace("users").GetManyAsync<int>(["u1", "u2"], Ct)).Count);
        var hits = b.GetStats().MemoryHits;
        Assert.Equal("x", await b.GetAsync<string>("gone", Ct));
        Assert.Equal(hits + 1, b.GetStats().MemoryHits); // held in B's memory cache now

        var received = b.GetStats().InvalidationsReceived;
        await a.RemoveAsync("gone", Ct);
        await a.InvalidateNamespaceAsync("users", Ct);
        await WaitUntilAsync(() => b.GetStats().InvalidationsReceived >= received + 2, "B received both invalidations");

        Assert.False((await b.TryGetAsync<string>("gone", Ct)).HasValue);
        Assert.Empty(await b.WithNamespace("users").GetManyAsync<int>(["u1", "u2"], Ct));
    }

    [Fact]
    public async Task An_instance_ignores_its_own_invalidations_and_keeps_what_it_just_wrote_in_memory()
    {
        var prefix = RedisEnvironment.UniquePrefix();
        await using var connection = await redis.Standalone.ConnectAnotherAsync();
        await using var a = NewStore(connection, prefix);
        await using var witnessConnection = await redis.Standalone.ConnectAnotherAsync();
        await using var witness = NewStore(witnessConnection, prefix);
        await ConnectAsync(a, witness);
        await a.SetAsync("mine", 1, cancellationToken: Ct);

        var witnessed = witness.GetStats().InvalidationsReceived;
        await a.SetAsync("mine", 2, cancellationToken: Ct);
        var hits = a.GetStats().MemoryHits;
        await WaitUntilAsync(() => witness.GetStats().InvalidationsReceived > witnessed, "the message reached another instance");
        await Task.Delay(200, Ct); // and, with a wide margin, A's own subscription

        Assert.Equal(2, await a.GetAsync<int>("mine", Ct));
        Assert.Equal(hits + 1, a.GetStats().MemoryHits);
        Assert.Equal(0, a.GetStats().InvalidationsReceived);
    }

    [Theory]
    [InlineData(RedisTopology.Standalone)]
    [InlineData(RedisTopology.Cluster)]
    public async Task Callers_on_two_instances_locking_across_instances_run_the_factory_once(RedisTopology topology)
    {
        await using var connectionA = await redis.Get(topology).ConnectAnotherAsync();
        await using var connectionB = await redis.Get(topology).ConnectAnotherAsync();
        var prefix = RedisEnvironment.UniquePrefix();
        await using var a = NewStore(connectionA, prefix, o => o.Cache.LockAcrossInstances = true);
        await using var b = NewStore(connectionB, prefix, o => o.Cache.LockAcrossInstances = true);
        var runs = 0;
        async ValueTask<string> Slow(CancellationToken token)
        {
            Interlocked.Increment(ref runs);
            await Task.Delay(300, token);
            return "once";
        }

        var callers = Enumerable.Range(0, 100)
            .Select(i => (i % 2 == 0 ? a : b).GetOrSetAsync("expensive", Slow, cancellationToken: Ct).AsTask())
            .ToList();
        var results = await Task.WhenAll(callers);

        Assert.Equal(1, runs);
        Assert.All(results, r => Assert.Equal("once", r));
    }

    [Fact]
    public async Task A_disposed_store_stops_listening()
    {
        var prefix = RedisEnvironment.UniquePrefix();
        await using var connectionA = await redis.Standalone.ConnectAnotherAsync();
        await using var connectionB = await redis.Standalone.ConnectAnotherAsync();
        await using var a = NewStore(connectionA, prefix);
        await using var witnessConnection = await redis.Standalone.ConnectAnotherAsync();
        await using var witness = NewStore(witnessConnection, prefix);
        var b = NewStore(connectionB, prefix);
        await ConnectAsync(a, b);
        await ConnectAsync(a, witness);
        await b.DisposeAsync();
        var received = b.GetStats().InvalidationsReceived;
        var witnessed = witness.GetStats().InvalidationsReceived;

        await a.SetAsync("after", 1, cancellationToken: Ct);
        await WaitUntilAsync(() => witness.GetStats().InvalidationsReceived > witnessed, "a live instance received the message");
        await Task.Delay(100, Ct);

        Assert.Equal(received, b.GetStats().InvalidationsReceived);
        Assert.True(connectionB.IsConnected); // the connection is its owner's
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_instances_own_racing_writes_and_reads_never_leave_memory_behind_redis(bool withReaders)
    {
        var prefix = RedisEnvironment.UniquePrefix();
        await using var connection = await redis.Standalone.ConnectAnotherAsync();
        await using var cache = NewStore(connection, prefix);
        await SubscribedAsync(cache);
        var db = connection.GetDatabase();
        var stale = new List<string>();
        var memoryHits = 0;
        for (var i = 0; i < 1500; i++)
        {
            var key = $"k{i % 50}";
            var racers = new List<Task>
            {
                Task.Run(() => cache.SetAsync(key, $"a{i}", cancellationToken: Ct).AsTask(), Ct),
                Task.Run(() => cache.SetAsync(key, $"b{i}", cancellationToken: Ct).AsTask(), Ct),
            };
            if (withReaders)
            {
                racers.Add(Task.Run(() => cache.GetAsync<string>(key, Ct).AsTask(), Ct));
                racers.Add(Task.Run(() => cache.GetAsync<string>(key, Ct).AsTask(), Ct));
            }

            await Task.WhenAll(racers);
            var inRedis = (string?)await db.StringGetAsync($"{prefix}cache:k:{key}");
            var hits = cache.GetStats().MemoryHits;
            var read = await cache.GetAsync<string>(key, Ct);
            if (cache.GetStats().MemoryHits == hits + 1)
            {
                memoryHits++;
                if (inRedis is null || !inRedis.Contains($"\"{read}\"", StringComparison.Ordinal))
                {
                    stale.Add($"round {i}: memory {read}, Redis {inRedis}");
                }
            }
        }

        Assert.True(stale.Count == 0, $"{stale.Count} of {memoryHits} memory hits differ from Redis: {string.Join(" | ", stale.Take(3))}");
    }

    [Fact]
    public async Task Invalidations_reach_other_instances_on_connections_with_a_channel_prefix()
    {
        var options = ConfigurationOptions.Parse(redis.Standalone.Configuration);
        options.ChannelPrefix = RedisChannel.Literal("app:");
        await using var connectionA = await ConnectionMultiplexer.ConnectAsync(options);
        await using var connectionB = await ConnectionMultiplexer.ConnectAsync(options);
        var prefix = RedisEnvironment.UniquePrefix();
        await using var a = NewStore(connectionA, prefix);
        await using var b = NewStore(connectionB, prefix);
        await SubscribedAsync(a);
        await SubscribedAsync(b);
        await a.SetAsync("k", "first", cancellationToken: Ct);
        Assert.Equal("first", await b.GetAsync<string>("k", Ct)); // now in b's memory for 10 minutes

        await a.SetAsync("k", "second", cancellationToken: Ct);

        await WaitUntilAsync(async () => await b.GetAsync<string>("k", Ct) == "second", "b's memory copy is invalidated");
    }
}
