using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Serialization;

namespace RedisStores.Benchmarks;

/// <summary>
/// The libraries a user would otherwise pick, on the cache rows' workload: the same 100-character string, the same
/// 1,000 keys, the same multiplexer and redis-server. RedisCache (<see cref="IDistributedCache"/>) reads and writes
/// Redis on every call, with an absolute expiry (one <c>HMGET</c> per get) and with a sliding one (an <c>HMGET</c>,
/// then the refresh's <c>EXPIRE</c>); HybridCache and FusionCache are measured on their memory (L1) hits, on reads
/// that skip their memory cache and go to Redis through RedisCache, and on sets. None of the three has a get-many, so
/// the get-many row has only the raw <c>MGET</c> beside it.
/// </summary>
internal static class CacheAnchorBenchmarks
{
    private static readonly string[] Keys = Enumerable.Range(0, CacheBenchmarks.KeyCount).Select(i => $"user:{i}:profile").ToArray();
    private static readonly string[] Written = Enumerable.Range(0, CacheBenchmarks.KeyCount).Select(i => $"user:{i}:written").ToArray();
    private static readonly string[] Sliding = Enumerable.Range(0, CacheBenchmarks.KeyCount).Select(i => $"user:{i}:sliding").ToArray();
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly DistributedCacheEntryOptions DistributedEntry = new() { AbsoluteExpirationRelativeToNow = Hour };
    private static readonly DistributedCacheEntryOptions SlidingEntry = new() { SlidingExpiration = Hour };

    // Every HybridCache read of the "from Redis" row goes past the memory cache and leaves nothing in it.
    private static readonly HybridCacheEntryOptions HybridRedisOnly = new()
    {
        Expiration = Hour,
        LocalCacheExpiration = Hour,
        Flags = HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableLocalCacheWrite,
    };

    // Every FusionCache read of the "from Redis" row goes past the memory cache and leaves nothing in it.
    private static readonly FusionCacheEntryOptions FusionRedisOnly = new() { Duration = Hour, SkipMemoryCacheRead = true, SkipMemoryCacheWrite = true };

    private static long s_factoryRuns;

    public static async Task<List<Row>> RunAsync(IConnectionMultiplexer connection, LoadDriver driver, int[] concurrencies)
    {
        var rows = new List<Row>();
        var value = CacheBenchmarks.Value;

        // Not disposed: RedisCache closes the multiplexer it was given when it is disposed, and the driver's is shared.
        var redisCache = NewRedisCache(connection, "bench-rc:");
        foreach (var key in Keys)
        {
            await redisCache.SetStringAsync(key, value, DistributedEntry);
        }

        foreach (var key in Sliding)
        {
            await redisCache.SetStringAsync(key, value, SlidingEntry);
        }

        // HybridCache as AddHybridCache builds it, with a RedisCache of its own (another prefix, the same multiplexer) as L2.
        var services = new ServiceCollection();
        services.AddSingleton<IDistributedCache>(NewRedisCache(connection, "bench-hc:"));
        services.AddHybridCache(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = Hour, LocalCacheExpiration = Hour });
        await using var provider = services.BuildServiceProvider();
        var hybrid = provider.GetRequiredService<HybridCache>();
        foreach (var key in Keys)
        {
            await hybrid.GetOrCreateAsync(key, value, MakeValue);
        }

        // FusionCache with a memory cache only, and one with RedisCache (another prefix) and a System.Text.Json serializer as L2.
        using var fusionMemory = new FusionCache(new FusionCacheOptions { DefaultEntryOptions = new FusionCacheEntryOptions { Duration = Hour } });
        using var fusionRedis = new FusionCache(new FusionCacheOptions { DefaultEntryOptions = new FusionCacheEntryOptions { Duration = Hour } });
        fusionRedis.SetupDistributedCache(NewRedisCache(connection, "bench-fc:"), new JsonFusionSerializer());
        foreach (var key in Keys)
        {
            await fusionMemory.SetAsync(key, value);
            await fusionRedis.SetAsync(key, value);
        }

        foreach (var concurrency in concurrencies)
        {
            // RedisCache: a get with an absolute expiry is one HMGET; with a sliding one, the HMGET and then an EXPIRE.
            rows.Add(Commands(1, await driver.RunAsync("RedisCache get bytes (anchor)", concurrency, async i =>
                _ = await redisCache.GetAsync(Keys[i % Keys.Length]) ?? throw Missing(Keys[i % Keys.Length]))));
            rows.Add(Commands(1, await driver.RunAsync(Targets.RedisCacheGet, concurrency, async i =>
                _ = await redisCache.GetStringAsync(Keys[i % Keys.Length]) ?? throw Missing(Keys[i % Keys.Length]))));
            rows.Add(Commands(2, await driver.RunAsync(Targets.RedisCacheGetSliding, concurrency, async i =>
                _ = await redisCache.GetStringAsync(Sliding[i % Sliding.Length]) ?? throw Missing(Sliding[i % Sliding.Length]))));
            rows.Add(await driver.RunAsync(Targets.RedisCacheSet, concurrency, async i =>
                await redisCache.SetStringAsync(Written[i % Written.Length], value, DistributedEntry)));
            rows.Add(await driver.RunAsync("RedisCache set string, sliding expiry (anchor)", concurrency, async i =>
                await redisCache.SetStringAsync(Written[i % Written.Length], value, SlidingEntry)));

            // HybridCache: an L1 hit, a read from its L2 (RedisCache) with the local cache neither read nor written (RedisCache
            // answers HybridCache's buffer read with an HMGET of the metadata, then an HGET of the data), and a set.
            var factoryRuns = Interlocked.Read(ref s_factoryRuns);
            var hybridHit = Commands(0, await driver.RunAsync(Targets.HybridCacheL1Hit, concurrency, async i =>
                await hybrid.GetOrCreateAsync(Keys[i % Keys.Length], value, MakeValue)));
            var hybridFromRedis = Commands(2, await driver.RunAsync(Targets.HybridCacheRedisGet, concurrency, async i =>
                await hybrid.GetOrCreateAsync(Keys[i % Keys.Length], value, MakeValue, HybridRedisOnly)));
            rows.Add(Interlocked.Read(ref s_factoryRuns) == factoryRuns ? hybridHit : throw new InvalidOperationException($"The row '{hybridHit.Operation}' or '{hybridFromRedis.Operation}' ran its factory."));
            rows.Add(hybridFromRedis);
            rows.Add(await driver.RunAsync(Targets.HybridCacheSet, concurrency, async i =>
                await hybrid.SetAsync(Written[i % Written.Length], value)));

            // FusionCache: an L1 hit, a read from its distributed cache (RedisCache) with the memory cache skipped, and a set.
            rows.Add(Commands(0, await driver.RunAsync(Targets.FusionCacheL1Hit, concurrency, async i =>
                _ = (await fusionMemory.TryGetAsync<string>(Keys[i % Keys.Length])).HasValue ? 0 : throw Missing(Keys[i % Keys.Length]))));
            rows.Add(Commands(1, await driver.RunAsync(Targets.FusionCacheRedisGet, concurrency, async i =>
                _ = (await fusionRedis.TryGetAsync<string>(Keys[i % Keys.Length], FusionRedisOnly)).HasValue ? 0 : throw Missing(Keys[i % Keys.Length]))));
            rows.Add(await driver.RunAsync(Targets.FusionCacheSet, concurrency, async i =>
                await fusionRedis.SetAsync(Written[i % Written.Length], value)));
        }

        await connection.GetServers().Single().FlushDatabaseAsync();
        return rows;
    }

    private static RedisCache NewRedisCache(IConnectionMultiplexer connection, string instanceName) => new(Options.Create(new RedisCacheOptions
    {
        ConnectionMultiplexerFactory = () => Task.FromResult(connection),
        InstanceName = instanceName,
    }));

    private static ValueTask<string> MakeValue(string value, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref s_factoryRuns);
        return new(value);
    }

    private static InvalidOperationException Missing(string key) => new($"The anchor found no value for '{key}'.");

    // A memory hit that sent a command, or a read from Redis that sent another number of commands than its path does
    // (none for a miss, more for a retry), measured another path.
    private static Row Commands(int expected, Row row) =>
        Math.Abs(row.CommandsPerOp - expected) < 0.01 ? row : throw new InvalidOperationException($"The row '{row.Operation}' sent {row.CommandsPerOp:F2} commands per call, not {expected}.");

    /// <summary>What ZiggyCreatures.FusionCache.Serialization.SystemTextJson does, which the package feed does not serve.</summary>
    private sealed class JsonFusionSerializer : IFusionCacheSerializer
    {
        public byte[] Serialize<T>(T? obj) => JsonSerializer.SerializeToUtf8Bytes(obj);

        public T? Deserialize<T>(byte[] data) => JsonSerializer.Deserialize<T>(data);

        public ValueTask<byte[]> SerializeAsync<T>(T? obj, CancellationToken token = default) => new(Serialize(obj));

        public ValueTask<T?> DeserializeAsync<T>(byte[] data, CancellationToken token = default) => new(Deserialize<T>(data));
    }
}
