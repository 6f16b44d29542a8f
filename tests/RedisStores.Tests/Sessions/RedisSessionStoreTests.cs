using RedisStores.Sessions;
using RedisStores.Tests.Infrastructure;

namespace RedisStores.Tests.Sessions;

/// <summary>The conformance suite on Redis; each test's store has a key prefix of its own.</summary>
public abstract class RedisSessionStoreTests(RedisEnvironment redis, RedisTopology topology) : SessionStoreConformanceTests
{
    protected override ISessionStore CreateStore(RedisStoresOptions options)
    {
        options.KeyPrefix = RedisEnvironment.PrefixFor(topology, "sessions");
        return new RedisSessionStore(redis.Get(topology).Connection, options, Clock);
    }

    protected override Task LetTimePassAsync(TimeSpan duration) => AdvanceClockAndWaitAsync(duration);
}

[ConformanceFor(typeof(RedisSessionStore), RedisTopology.Standalone)]
public sealed class StandaloneRedisSessionStoreTests(RedisEnvironment redis) : RedisSessionStoreTests(redis, RedisTopology.Standalone);

[ConformanceFor(typeof(RedisSessionStore), RedisTopology.Cluster)]
public sealed class ClusterRedisSessionStoreTests(RedisEnvironment redis) : RedisSessionStoreTests(redis, RedisTopology.Cluster);

[ConformanceFor(typeof(RedisSessionStore), RedisTopology.Prefixed)]
public sealed class PrefixedRedisSessionStoreTests(RedisEnvironment redis) : RedisSessionStoreTests(redis, RedisTopology.Prefixed);
