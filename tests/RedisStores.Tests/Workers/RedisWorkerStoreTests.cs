using RedisStores.Tests.Infrastructure;
using RedisStores.Workers;

namespace RedisStores.Tests.Workers;

/// <summary>The conformance suite on Redis. Each test's store has a key prefix of its own, so tests share servers.</summary>
public abstract class RedisWorkerStoreTests(RedisEnvironment redis, RedisTopology topology) : WorkerStoreConformanceTests
{
    protected override IWorkerStore CreateStore(RedisStoresOptions options)
    {
        options.KeyPrefix = RedisEnvironment.PrefixFor(topology, "workers");
        return new RedisWorkerStore(redis.Get(topology).Connection, options, timeProvider: Clock);
    }

    protected override Task LetTimePassAsync(TimeSpan duration) => AdvanceClockAndWaitAsync(duration);
}

[ConformanceFor(typeof(RedisWorkerStore), RedisTopology.Standalone)]
public sealed class StandaloneRedisWorkerStoreTests(RedisEnvironment redis) : RedisWorkerStoreTests(redis, RedisTopology.Standalone);

[ConformanceFor(typeof(RedisWorkerStore), RedisTopology.Cluster)]
public sealed class ClusterRedisWorkerStoreTests(RedisEnvironment redis) : RedisWorkerStoreTests(redis, RedisTopology.Cluster);

[ConformanceFor(typeof(RedisWorkerStore), RedisTopology.Prefixed)]
public sealed class PrefixedRedisWorkerStoreTests(RedisEnvironment redis) : RedisWorkerStoreTests(redis, RedisTopology.Prefixed);
