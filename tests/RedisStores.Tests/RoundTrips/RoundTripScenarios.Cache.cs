using RedisStores.Caching;

namespace RedisStores.Tests.RoundTrips;

internal static partial class RoundTripScenarios
{
    private const int CacheBatch = 10;

    private static readonly Section CacheSection = new("Cache store", typeof(ICacheStore), nameof(RedisCacheStore));

    private static IEnumerable<Scenario> CacheRows()
    {
        static Scenario Row(string method, string state, Func<Scope, Meter, Task> run) => new(CacheSection, typeof(ICacheStore), method, state, run);

        // Written by another instance: in Redis, not in this instance's memory cache.
        static async Task<(RedisCacheStore Cache, string Key)> InRedisAsync(Scope s)
        {
            var cache = await s.CacheAsync();
            var key = s.Id("k");
            await (await s.OtherCacheAsync()).SetAsync(key, 42);
            return (cache, key);
        }

        yield return Row(nameof(ICacheStore.GetAsync), "an entry in this instance's memory cache", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            var key = s.Id("k");
            await cache.SetAsync(key, 42);
            await m.MeasureAsync(() => cache.GetAsync<int>(key).AsTask());
        }) with { Notes = "Served from memory: other instances' writes evict it over pub/sub." };

        yield return Row(nameof(ICacheStore.GetAsync), "an entry in Redis only", async (s, m) =>
        {
            var (cache, key) = await InRedisAsync(s);
            await m.MeasureAsync(() => cache.GetAsync<int>(key).AsTask());
        });

        yield return Row(nameof(ICacheStore.GetAsync), "a missing entry", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            await m.MeasureAsync(() => cache.GetAsync<int>(s.Id("k")).AsTask());
        });

        yield return Row(nameof(ICacheStore.GetAsync), "in a namespace, an entry in Redis only", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            var key = s.Id("k");
            await (await s.OtherCacheAsync()).WithNamespace("users").SetAsync(key, 42);
            await m.MeasureAsync(() => cache.WithNamespace("users").GetAsync<int>(key).AsTask());
        }) with { Notes = "Reads the entry and its namespace's version together." };

        yield return Row(nameof(ICacheStore.TryGetAsync), "an entry in Redis only", async (s, m) =>
        {
            var (cache, key) = await InRedisAsync(s);
            await m.MeasureAsync(() => cache.TryGetAsync<int>(key).AsTask());
        });

        yield return Row(nameof(ICacheStore.SetAsync), "a new entry", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            await m.MeasureAsync(() => cache.SetAsync(s.Id("k"), 42).AsTask());
        }) with { Notes = "The script also publishes the invalidation for other instances' memory caches." };

        yield return Row(nameof(ICacheStore.SetAsync), "in a namespace, a new entry that outlives the others", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            await cache.WithNamespace("users").SetAsync(s.Id("k"), 1, new CacheEntryOptions { Ttl = TimeSpan.FromMinutes(30) });
            await m.MeasureAsync(() => cache.WithNamespace("users").SetAsync(s.Id("k"), 42).AsTask());
        }) with { Notes = "The namespace's version key is made to outlive the new entry; one command fewer when it already does." };

        yield return Row(nameof(ICacheStore.GetOrSetAsync), "an entry in this instance's memory cache", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            var key = s.Id("k");
            await cache.SetAsync(key, 42);
            await m.MeasureAsync(() => cache.GetOrSetAsync(key, _ => ValueTask.FromResult(7)).AsTask());
        });

        yield return Row(nameof(ICacheStore.GetOrSetAsync), "an entry in Redis only", async (s, m) =>
        {
            var (cache, key) = await InRedisAsync(s);
            await m.MeasureAsync(() => cache.GetOrSetAsync(key, _ => ValueTask.FromResult(7)).AsTask());
        });

        yield return Row(nameof(ICacheStore.GetOrSetAsync), "a missing entry: the factory runs", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            await m.MeasureAsync(() => cache.GetOrSetAsync(s.Id("k"), _ => ValueTask.FromResult(7)).AsTask());
        }) with { Exception = "a miss reads, runs the factory, then writes what it made; the factory's result cannot be known before the read." };

        yield return Row(nameof(ICacheStore.GetOrSetAsync), "a missing entry, locking across instances", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            var options = new CacheEntryOptions { LockAcrossInstances = true };
            await m.MeasureAsync(() => cache.GetOrSetAsync(s.Id("k"), _ => ValueTask.FromResult(7), options).AsTask());
        }) with
        {
            Exception = "opt-in stampede protection across instances: read, take the factory lock, read again (another instance may have written meanwhile), write, release.",
            Notes = "Uncontended; a contended lock waits as the lock service's table shows.",
        };

        yield return Row(nameof(ICacheStore.RemoveAsync), "an existing entry", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            var key = s.Id("k");
            await cache.SetAsync(key, 42);
            await m.MeasureAsync(() => cache.RemoveAsync(key).AsTask());
        });

        yield return Row(nameof(ICacheStore.GetManyAsync), $"{CacheBatch} entries in Redis only", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            var keys = Enumerable.Range(0, CacheBatch).Select(_ => s.Id("k")).ToArray();
            await (await s.OtherCacheAsync()).SetManyAsync(keys.Select(k => KeyValuePair.Create(k, 42)));
            await m.MeasureAsync(() => cache.GetManyAsync<int>(keys).AsTask());
        }) with { SingleEntity = false, Notes = "Keys in this instance's memory cache are not asked for. On a cluster: one MGET per hash slot, sent together." };

        yield return Row(nameof(ICacheStore.SetManyAsync), $"{CacheBatch} new entries", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            var items = Enumerable.Range(0, CacheBatch).Select(i => KeyValuePair.Create(s.Id("k"), i)).ToArray();
            await m.MeasureAsync(() => cache.SetManyAsync(items).AsTask());
        }) with { SingleEntity = false, Notes = "One invalidation message for the batch. On a cluster: one script per hash slot, sent together." };

        yield return Row(nameof(ICacheStore.InvalidateNamespaceAsync), "a namespace with an entry", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            await cache.WithNamespace("users").SetAsync(s.Id("k"), 1);
            await m.MeasureAsync(() => cache.InvalidateNamespaceAsync("users").AsTask());
        }) with { Notes = "Changes the namespace's version: its entries become unreadable at once and expire on their own." };

        yield return Row(nameof(ICacheStore.WithNamespace), "any", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            await m.MeasureAsync(() => Task.FromResult(cache.WithNamespace("users")));
        }) with { SingleEntity = false, Notes = "Local: a view of the same store." };

        yield return Row(nameof(ICacheStore.GetStats), "any", async (s, m) =>
        {
            var cache = await s.CacheAsync();
            await m.MeasureAsync(() => Task.FromResult(cache.GetStats()));
        }) with { SingleEntity = false, Notes = "Local: this instance's counters." };
    }
}
