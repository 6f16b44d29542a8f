using System.Collections.Concurrent;
using RedisStores.Tests.Infrastructure;
using RedisStores.Workers;

namespace RedisStores.Tests.Workers;

/// <summary>The conformance suite on Redis. Each test's store has a key prefix of its own, so tests share servers.</summary>
public abstract class RedisWorkerStoreTests(RedisEnvironment redis, RedisTopology topology) : WorkerStoreConformanceTests
{
    // Each store's options, so a peer can be built on the same keys.
    private readonly ConcurrentDictionary<IWorkerStore, RedisStoresOptions> _options = new(ReferenceEqualityComparer.Instance);

    protected override IWorkerStore CreateStore(RedisStoresOptions options)
    {
        options.KeyPrefix = RedisEnvironment.PrefixFor(topology, "workers");
        var store = new RedisWorkerStore(redis.Get(topology).Connection, options, timeProvider: Clock);
        _options[store] = options;
        return store;
    }

    /// <summary>A second store object on the first's key prefix, as another process of the service would build.</summary>
    protected override IWorkerStore CreatePeer(IWorkerStore first)
    {
        var options = _options[first];
        var peer = new RedisWorkerStore(redis.Get(topology).Connection, options, timeProvider: Clock);
        _options[peer] = options;
        return peer;
    }

    protected override Task LetTimePassAsync(TimeSpan duration) => AdvanceClockAndWaitAsync(duration);
}

[ConformanceFor(typeof(RedisWorkerStore), RedisTopology.Standalone)]
public sealed class StandaloneRedisWorkerStoreTests(RedisEnvironment redis) : RedisWorkerStoreTests(redis, RedisTopology.Standalone);

[ConformanceFor(typeof(RedisWorkerStore), RedisTopology.Cluster)]
public sealed class ClusterRedisWorkerStoreTests(RedisEnvironment redis) : RedisWorkerStoreTests(redis, RedisTopology.Cluster);

[ConformanceFor(typeof(RedisWorkerStore), RedisTopology.Prefixed)]
public sealed class PrefixedRedisWorkerStoreTests(RedisEnvironment redis) : RedisWorkerStoreTests(redis, RedisTopology.Prefixed);
