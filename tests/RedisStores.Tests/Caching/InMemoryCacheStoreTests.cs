using RedisStores.Caching;
using RedisStores.Serialization;

namespace RedisStores.Tests.Caching;

[ConformanceFor(typeof(InMemoryCacheStore))]
public sealed class InMemoryCacheStoreTests : CacheStoreConformanceTests
{
    protected override ICacheStore CreateStore(RedisStoresOptions options, IStoreSerializer? serializer) => new InMemoryCacheStore(options, serializer, Clock);

    protected override Task LetTimePassAsync(TimeSpan duration) => AdvanceClock(duration);

    [Fact]
    public async Task The_store_holds_at_most_its_size_and_evicts_the_least_recently_used()
    {
        var cache = new InMemoryCacheStore(new RedisStoresOptions { Cache = { MemoryCacheSize = 10 } }, timeProvider: Clock);
        await cache.SetAsync("keep", "k", cancellationToken: Ct);
        for (var i = 0; i < 100; i++)
        {
            await cache.SetAsync($"k{i}", i, cancellationToken: Ct);
            Assert.Equal("k", await cache.GetAsync<string>("keep", Ct)); // used all the time, so never the oldest
        }

        var stats = cache.GetStats();
        Assert.True(stats.MemoryCacheCount <= 10, $"{stats.MemoryCacheCount} entries held");
        Assert.True(stats.Evictions >= 90, $"{stats.Evictions} evictions");
        Assert.Equal(10, stats.MemoryCacheCapacity);
        Assert.Equal(99, await cache.GetAsync<int>("k99", Ct));
        Assert.False((await cache.TryGetAsync<int>("k0", Ct)).HasValue);
    }

    [Fact]
    public async Task An_entry_lives_through_its_expiry_millisecond_and_is_gone_after_it_like_a_redis_key()
    {
        var cache = new InMemoryCacheStore(timeProvider: Clock);
        await cache.SetAsync("k", 1, new CacheEntryOptions { Ttl = TimeSpan.FromSeconds(10) }, Ct);

        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, await cache.GetAsync<int>("k", Ct));
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False((await cache.TryGetAsync<int>("k", Ct)).HasValue);
        Assert.Equal(0, cache.GetStats().MemoryCacheCount);
    }

    [Fact]
    public async Task Many_invalidated_namespaces_do_not_grow_memory_without_bound()
    {
        var cache = new InMemoryCacheStore(new RedisStoresOptions { Cache = { MemoryCacheSize = 100 } }, timeProvider: Clock);
        await cache.SetAsync("root", 1, cancellationToken: Ct);
        for (var i = 0; i < 25_000; i++)
        {
            await cache.WithNamespace($"tenant{i}").SetAsync("k", i, cancellationToken: Ct);
            await cache.InvalidateNamespaceAsync($"tenant{i}", Ct);
        }

        Assert.False((await cache.WithNamespace("tenant24999").TryGetAsync<int>("k", Ct)).HasValue);
        Assert.True(cache.GetStats().MemoryCacheCount <= 100);
        Assert.Equal(1, await cache.GetAsync<int>("root", Ct)); // bounding the stamps never costs live entries
        Assert.Equal(0, cache.GetStats().MemoryCacheClears);
    }

    [Fact]
    public async Task Namespaces_invalidated_from_many_threads_stay_invalidated_while_old_stamps_are_forgotten()
    {
        var cache = new InMemoryCacheStore(new RedisStoresOptions { Cache = { MemoryCacheSize = 10_000 } }, timeProvider: Clock);
        var resurrected = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 12_000; i++)
            {
                var ns = cache.WithNamespace($"t{t}-{i}");
                await ns.SetAsync("k", i, cancellationToken: Ct);
                await cache.InvalidateNamespaceAsync($"t{t}-{i}", Ct);
            }
        }, Ct)));

        for (var t = 0; t < 4; t++)
        {
            for (var i = 0; i < 12_000; i++)
            {
                if ((await cache.WithNamespace($"t{t}-{i}").TryGetAsync<int>("k", Ct)).HasValue)
                {
                    resurrected++;
                }
            }
        }

        Assert.Equal(0, resurrected);
    }

    [Fact]
    public async Task A_large_store_keeps_its_hot_keys_while_cold_ones_are_evicted()
    {
        var cache = new InMemoryCacheStore(new RedisStoresOptions { Cache = { MemoryCacheSize = 5000 } }, timeProvider: Clock);
        for (var i = 0; i < 100; i++)
        {
            await cache.SetAsync($"hot{i}", i, cancellationToken: Ct);
        }

        for (var i = 0; i < 30_000; i++)
        {
            await cache.SetAsync($"cold{i}", i, cancellationToken: Ct);
            var hot = await cache.TryGetAsync<int>($"hot{i % 100}", Ct);
            Assert.True(hot.HasValue && hot.Value == i % 100, $"hot{i % 100} was evicted after {i} cold writes");
        }

        var stats = cache.GetStats();
        Assert.True(stats.MemoryCacheCount <= 5000, $"{stats.MemoryCacheCount} entries held");
        Assert.True(stats.Evictions >= 25_000, $"{stats.Evictions} evictions");
    }

    [Fact]
    public async Task Eviction_always_takes_the_least_recently_used()
    {
        for (var run = 0; run < 200; run++)
        {
            var cache = new InMemoryCacheStore(new RedisStoresOptions { Cache = { MemoryCacheSize = 10 } }, timeProvider: Clock);
            await cache.SetAsync("keep", "k", cancellationToken: Ct);
            for (var i = 0; i < 100; i++)
            {
                await cache.SetAsync($"k{i}", i, cancellationToken: Ct);
                await cache.GetAsync<string>("keep", Ct);
            }

            Assert.False((await cache.TryGetAsync<int>("k0", Ct)).HasValue, $"run {run}: the oldest key survived");
            Assert.Equal("k", await cache.GetAsync<string>("keep", Ct));
        }
    }
}
