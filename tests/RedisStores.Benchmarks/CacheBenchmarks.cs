using RedisStores.Caching;
using StackExchange.Redis;

namespace RedisStores.Benchmarks;

/// <summary>
/// The cache store's hot paths on a 100-byte string, next to raw StackExchange.Redis doing the same job. Every operation,
/// anchors included, runs in the same async lambda, so the driver's share of bytes/op is the same on both sides.
/// </summary>
internal static class CacheBenchmarks
{
    internal const int KeyCount = 1000;
    private const int BatchSize = 100;

    // 100 ASCII characters that JSON writes as they are.
    internal static readonly string Value = "cached profile of user 42, Ada Lovelace, locale en-GB, 3 visits, plan standard, region eu-west 1".PadRight(100, '.');

    // An hour in Redis and in memory: no entry goes stale while the rows run.
    private static readonly CacheEntryOptions Entry = new() { Ttl = TimeSpan.FromHours(1), MemoryCacheTtl = TimeSpan.FromHours(1) };

    public static async Task<List<Row>> RunAsync(IConnectionMultiplexer connection, LoadDriver driver, int[] concurrencies)
    {
        var rows = new List<Row>();
        var db = connection.GetDatabase();

        // The default configuration (memory cache on), with room for every key the rows touch so that no sweep runs.
        await using var withMemory = new RedisCacheStore(connection, new RedisStoresOptions { KeyPrefix = "bench-cache:", Cache = { MemoryCacheSize = 10_000 } });
        await using var redisOnly = new RedisCacheStore(connection, new RedisStoresOptions { KeyPrefix = "bench-cache-r:", Cache = { MemoryCache = false } });

        var keys = Enumerable.Range(0, KeyCount).Select(i => $"user:{i}:profile").ToArray();
        var written = Enumerable.Range(0, KeyCount).Select(i => $"user:{i}:written").ToArray();
        var rawKeys = Array.ConvertAll(keys, k => (RedisKey)("bench-raw:cache:" + k));
        var rawWritten = Array.ConvertAll(written, k => (RedisKey)("bench-raw:cache:" + k));
        var batches = keys.Chunk(BatchSize).ToArray();
        var rawBatches = rawKeys.Chunk(BatchSize).ToArray();

        await SeedAsync(withMemory, keys);
        await redisOnly.SetManyAsync(keys.Select(k => KeyValuePair.Create(k, Value)), Entry);
        await Task.WhenAll(rawKeys.Select(k => db.StringSetAsync(k, Value, TimeSpan.FromHours(1))));

        // The anchor of a write that tells other instances: a message shaped like the cache's, on a channel with one
        // subscriber, as the cache's own channel has (the store with a memory cache listens to it).
        var rawChannel = RedisChannel.Literal("bench-raw:cache:invalidations");
        var rawMessages = Array.ConvertAll(written, k => (RedisValue)$"{Guid.NewGuid():N}\nk\n\n{k}");
        var subscriber = connection.GetSubscriber();
        await subscriber.SubscribeAsync(rawChannel, static (_, _) => { });

        foreach (var concurrency in concurrencies)
        {
            rows.Add(await CheckedAsync(withMemory, s => s.MemoryMisses == 0 && s.Misses == 0, () => driver.RunAsync(
                Targets.CacheL1Get, concurrency, async i => await withMemory.GetAsync<string>(keys[i % KeyCount]))));
            rows.Add(await CheckedAsync(redisOnly, s => s.RedisHits > 0 && s.Misses == 0, () => driver.RunAsync(
                Targets.CacheRedisGet, concurrency, async i => await redisOnly.GetAsync<string>(keys[i % KeyCount]))));
            rows.Add(await driver.RunAsync(Targets.RawGet, concurrency, async i => await db.StringGetAsync(rawKeys[i % KeyCount])));
            rows.Add(await driver.RunAsync(
                Targets.CacheSet, concurrency, async i => await withMemory.SetAsync(written[i % KeyCount], Value, Entry)));
            rows.Add(await driver.RunAsync("raw SET PX (anchor)", concurrency, async i => await db.StringSetAsync(rawWritten[i % KeyCount], Value, TimeSpan.FromHours(1))));
            rows.Add(await driver.RunAsync("raw SET PX + PUBLISH, pipelined (anchor)", concurrency, async i =>
            {
                var stored = db.StringSetAsync(rawWritten[i % KeyCount], Value, TimeSpan.FromHours(1));
                var published = db.PublishAsync(rawChannel, rawMessages[i % KeyCount]);
                await stored;
                await published;
            }));
            rows.Add(await CheckedAsync(redisOnly, s => s.Misses == 0, () => driver.RunAsync(
                Targets.CacheGetMany, concurrency, async i => await redisOnly.GetManyAsync<string>(batches[i % batches.Length]))));
            rows.Add(await driver.RunAsync("raw MGET 100 keys (anchor)", concurrency, async i => await db.StringGetAsync(rawBatches[i % rawBatches.Length])));
            rows.Add(await CheckedAsync(withMemory, s => s.MemoryMisses == 0 && s.FactoryRuns == 0, () => driver.RunAsync(
                "cache get-or-set hit, memory (L1)", concurrency, async i => await withMemory.GetOrSetAsync(keys[i % KeyCount], MakeValue, Entry))));
            rows.Add(await CheckedAsync(redisOnly, s => s.RedisHits > 0 && s.FactoryRuns == 0, () => driver.RunAsync(
                "cache get-or-set hit from Redis (no L1)", concurrency, async i => await redisOnly.GetOrSetAsync(keys[i % KeyCount], MakeValue, Entry))));
        }

        await subscriber.UnsubscribeAsync(rawChannel);
        await connection.GetServers().Single().FlushDatabaseAsync();
        return rows;
    }

    private static ValueTask<string> MakeValue(CancellationToken cancellationToken) => new(Value);

    // The memory cache is emptied when its invalidation subscription goes live, which the first Redis call starts: write,
    // then read every key until one whole pass is served from memory.
    private static async Task SeedAsync(RedisCacheStore cache, string[] keys)
    {
        await cache.SetManyAsync(keys.Select(k => KeyValuePair.Create(k, Value)), Entry);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var before = cache.GetStats().MemoryHits;
            foreach (var key in keys)
            {
                await cache.GetAsync<string>(key);
            }

            if (cache.GetStats().MemoryHits - before == keys.Length)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("The memory cache did not keep the benchmark's keys.");
    }

    // A row that quietly measured another path (a memory miss, a cache miss, a factory run) would be wrong, not slow.
    private static async Task<Row> CheckedAsync(RedisCacheStore cache, Func<CacheStats, bool> expected, Func<Task<Row>> measure)
    {
        var before = cache.GetStats();
        var row = await measure();
        var after = cache.GetStats();
        var delta = new CacheStats
        {
            MemoryMisses = after.MemoryMisses - before.MemoryMisses,
            RedisHits = after.RedisHits - before.RedisHits,
            Misses = after.Misses - before.Misses,
            FactoryRuns = after.FactoryRuns - before.FactoryRuns,
        };

        return expected(delta) ? row : throw new InvalidOperationException($"The row '{row.Operation}' did not take the path it names: {delta}.");
    }
}
