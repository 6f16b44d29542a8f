using RedisStores.Messaging;
using RedisStores.Tests.Infrastructure;

namespace RedisStores.Tests.Messaging;

/// <summary>The conformance suite on Redis. Each test's bus has a key prefix of its own, so tests share servers.</summary>
public abstract class RedisMessageBusTests(RedisEnvironment redis, RedisTopology topology) : MessageBusConformanceTests, IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _connections = [];
    private RedisStoresOptions? _options;

    protected override IMessageBus CreateStore(RedisStoresOptions options)
    {
        options.KeyPrefix = RedisEnvironment.PrefixFor(topology, "bus");
        _options = options;
        return new RedisMessageBus(redis.Get(topology).Connection, options, timeProvider: Clock);
    }

    // Another instance: its own connection, the same prefix.
    protected override async Task<IMessageBus> CreatePeerAsync(IMessageBus first)
    {
        var connection = await redis.Get(topology).ConnectAnotherAsync();
        _connections.Add(connection);
        return new RedisMessageBus(connection, _options, timeProvider: Clock);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    protected override Task LetTimePassAsync(TimeSpan duration) => AdvanceClockAndWaitAsync(duration);
}

[ConformanceFor(typeof(RedisMessageBus), RedisTopology.Standalone)]
public sealed class StandaloneRedisMessageBusTests(RedisEnvironment redis) : RedisMessageBusTests(redis, RedisTopology.Standalone);

[ConformanceFor(typeof(RedisMessageBus), RedisTopology.Cluster)]
public sealed class ClusterRedisMessageBusTests(RedisEnvironment redis) : RedisMessageBusTests(redis, RedisTopology.Cluster);

[ConformanceFor(typeof(RedisMessageBus), RedisTopology.Prefixed)]
public sealed class PrefixedRedisMessageBusTests(RedisEnvironment redis) : RedisMessageBusTests(redis, RedisTopology.Prefixed);
