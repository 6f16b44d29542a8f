using RedisStores.Caching;
using RedisStores.Serialization;
using RedisStores.Tests.Infrastructure;

namespace RedisStores.Tests.Caching;

/// <summary>The conformance suite on Redis, with the memory cache on (the default); each test's store has a key prefix of its own.</summary>
public abstract class RedisCacheStoreTests(RedisEnvironment redis, RedisTopology topology, bool memoryCache = true) : CacheStoreConformanceTests
{
    protected override ICacheStore CreateStore(RedisStoresOptions options, IStoreSerializer? serializer)
    {
        options.KeyPrefix = RedisEnvironment.PrefixFor(topology, "cache");
        options.Cache.MemoryCache = memoryCache;
        return new RedisCacheStore(redis.Get(topology).Connection, options, serializer, Clock);
    }

    protected override Task LetTimePassAsync(TimeSpan duration) => AdvanceClockAndWaitAsync(duration);
}

[ConformanceFor(typeof(RedisCacheStore), RedisTopology.Standalone)]
public sealed class StandaloneRedisCacheStoreTests(RedisEnvironment redis) : RedisCacheStoreTests(redis, RedisTopology.Standalone);

[ConformanceFor(typeof(RedisCacheStore), RedisTopology.Cluster)]
public sealed class ClusterRedisCacheStoreTests(RedisEnvironment redis) : RedisCacheStoreTests(redis, RedisTopology.Cluster);

[ConformanceFor(typeof(RedisCacheStore), RedisTopology.Prefixed)]
public sealed class PrefixedRedisCacheStoreTests(RedisEnvironment redis) : RedisCacheStoreTests(redis, RedisTopology.Prefixed);

/// <summary>Without the memory cache every read is answered by Redis itself.</summary>
[ConformanceFor(typeof(RedisCacheStore), RedisTopology.Standalone)]
public sealed class StandaloneRedisCacheStoreWithoutMemoryCacheTests(RedisEnvironment redis) : RedisCacheStoreTests(redis, RedisTopology.Standalone, memoryCache: false);

/// <summary>Without the memory cache every read is answered by the cluster itself.</summary>
[ConformanceFor(typeof(RedisCacheStore), RedisTopology.Cluster)]
public sealed class ClusterRedisCacheStoreWithoutMemoryCacheTests(RedisEnvironment redis) : RedisCacheStoreTests(redis, RedisTopology.Cluster, memoryCache: false);
