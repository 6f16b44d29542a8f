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
/// Redis on every call; HybridCache and FusionCache are measured on their memory (L1) hits, and FusionCache also on a
/// read that skips its memory cache and goes to Redis through RedisCache.
/// </summary>
internal static class CacheAnchorBenchmarks
{
    private static readonly string[] Keys = Enumerable.Range(0, CacheBenchmarks.KeyCount).Select(i => $"user:{i}:profile").ToArray();
    private static readonly string[] Written = Enumerable.Range(0, CacheBenchmarks.KeyCount).Select(i => $"user:{i}:written").ToArray();
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly DistributedCacheEntryOptions DistributedEntry = new() { AbsoluteExpirationRelativeToNow = Hour };

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
            rows.Add(OneCommandPerOp(await driver.RunAsync("RedisCache get bytes (anchor)", concurrency, async i =>
                _ = await redisCache.GetAsync(Keys[i % Keys.Length]) ?? throw Missing(Keys[i % Keys.Length]))));
            rows.Add(OneCommandPerOp(await driver.RunAsync("RedisCache get string (anchor)", concurrency, async i =>
                _ = await redisCache.GetStringAsync(Keys[i % Keys.Length]) ?? throw Missing(Keys[i % Keys.Length]))));
            rows.Add(await driver.RunAsync("RedisCache set string, absolute expiry (anchor)", concurrency, async i =>
                await redisCache.SetStringAsync(Written[i % Written.Length], value, DistributedEntry)));

            var factoryRuns = Interlocked.Read(ref s_factoryRuns);
            var hybridHit = NoCommands(await driver.RunAsync("HybridCache get-or-create hit, L1 (anchor)", concurrency, async i =>
                await hybrid.GetOrCreateAsync(Keys[i % Keys.Length], value, MakeValue)));
            rows.Add(Interlocked.Read(ref s_factoryRuns) == factoryRuns ? hybridHit : throw new InvalidOperationException($"The row '{hybridHit.Operation}' ran its factory."));

            rows.Add(NoCommands(await driver.RunAsync("FusionCache try-get hit, L1 (anchor)", concurrency, async i =>
                _ = (await fusionMemory.TryGetAsync<string>(Keys[i % Keys.Length])).HasValue ? 0 : throw Missing(Keys[i % Keys.Length]))));
            rows.Add(OneCommandPerOp(await driver.RunAsync("FusionCache try-get from Redis, L1 skipped (anchor)", concurrency, async i =>
                _ = (await fusionRedis.TryGetAsync<string>(Keys[i % Keys.Length], FusionRedisOnly)).HasValue ? 0 : throw Missing(Keys[i % Keys.Length]))));
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

    // A memory hit that sent a command measured another path.
    private static Row NoCommands(Row row) =>
        row.CommandsPerOp == 0 ? row : throw new InvalidOperationException($"The row '{row.Operation}' sent {row.CommandsPerOp:F2} commands per call.");

    // A read from Redis that sent no command (or more than one) measured another path.
    private static Row OneCommandPerOp(Row row) =>
        Math.Abs(row.CommandsPerOp - 1) < 0.01 ? row : throw new InvalidOperationException($"The row '{row.Operation}' sent {row.CommandsPerOp:F2} commands per call.");

    /// <summary>What ZiggyCreatures.FusionCache.Serialization.SystemTextJson does, which the package feed does not serve.</summary>
    private sealed class JsonFusionSerializer : IFusionCacheSerializer
    {
        public byte[] Serialize<T>(T? obj) => JsonSerializer.SerializeToUtf8Bytes(obj);

        public T? Deserialize<T>(byte[] data) => JsonSerializer.Deserialize<T>(data);

        public ValueTask<byte[]> SerializeAsync<T>(T? obj, CancellationToken token = default) => new(Serialize(obj));

        public ValueTask<T?> DeserializeAsync<T>(byte[] data, CancellationToken token = default) => new(Deserialize<T>(data));
    }
}
