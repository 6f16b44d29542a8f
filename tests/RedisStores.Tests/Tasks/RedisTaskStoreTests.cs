using RedisStores.Tasks;
using RedisStores.Tests.Infrastructure;

namespace RedisStores.Tests.Tasks;

/// <summary>The conformance suite on Redis. Each test's store has a key prefix of its own, so tests share servers.</summary>
public abstract class RedisTaskStoreTests(RedisEnvironment redis, RedisTopology topology) : TaskStoreConformanceTests
{
    protected override ITaskStore CreateStore(RedisStoresOptions options)
    {
        options.KeyPrefix = topology == RedisTopology.Prefixed ? RedisEnvironment.UniquePrefix("acme.billing/tasks") : RedisEnvironment.UniquePrefix();
        return new RedisTaskStore(redis.Get(topology).Connection, options, timeProvider: Clock);
    }

    // Redis expires keys by its own clock; the fake clock moves too, for the times the store records.
    protected override async Task LetTimePassAsync(TimeSpan duration)
    {
        Clock.Advance(duration);
        await Task.Delay(duration, Ct);
    }
}

[ConformanceFor(typeof(RedisTaskStore), RedisTopology.Standalone)]
public sealed class StandaloneRedisTaskStoreTests(RedisEnvironment redis) : RedisTaskStoreTests(redis, RedisTopology.Standalone);

[ConformanceFor(typeof(RedisTaskStore), RedisTopology.Cluster)]
public sealed class ClusterRedisTaskStoreTests(RedisEnvironment redis) : RedisTaskStoreTests(redis, RedisTopology.Cluster);

[ConformanceFor(typeof(RedisTaskStore), RedisTopology.Prefixed)]
public sealed class PrefixedRedisTaskStoreTests(RedisEnvironment redis) : RedisTaskStoreTests(redis, RedisTopology.Prefixed);
