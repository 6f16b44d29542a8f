using RedisStores.Tasks;
using RedisStores.Tests.Infrastructure;

namespace RedisStores.Tests.Tasks;

/// <summary>The conformance suite on Redis. Each test's store has a key prefix of its own, so tests share servers.</summary>
public abstract class RedisTaskStoreTests(RedisEnvironment redis, RedisTopology topology) : TaskStoreConformanceTests
{
    protected override ITaskStore CreateStore(RedisStoresOptions options)
    {
        options.KeyPrefix = RedisEnvironment.PrefixFor(topology, "tasks");
        // Waiters read again only once an hour: only the status notification can wake them within a test.
        return new RedisTaskStore(redis.Get(topology).Connection, options, timeProvider: Clock) { SafetyPoll = TimeSpan.FromHours(1) };
    }

    protected override Task LetTimePassAsync(TimeSpan duration) => AdvanceClockAndWaitAsync(duration);
}

[ConformanceFor(typeof(RedisTaskStore), RedisTopology.Standalone)]
public sealed class StandaloneRedisTaskStoreTests(RedisEnvironment redis) : RedisTaskStoreTests(redis, RedisTopology.Standalone);

[ConformanceFor(typeof(RedisTaskStore), RedisTopology.Cluster)]
public sealed class ClusterRedisTaskStoreTests(RedisEnvironment redis) : RedisTaskStoreTests(redis, RedisTopology.Cluster);

[ConformanceFor(typeof(RedisTaskStore), RedisTopology.Prefixed)]
public sealed class PrefixedRedisTaskStoreTests(RedisEnvironment redis) : RedisTaskStoreTests(redis, RedisTopology.Prefixed);
