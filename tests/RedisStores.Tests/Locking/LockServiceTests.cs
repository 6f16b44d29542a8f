using RedisStores.Locking;
using RedisStores.Tests.Infrastructure;

namespace RedisStores.Tests.Locking;

[ConformanceFor(typeof(InMemoryDistributedLockService))]
public sealed class InMemoryLockServiceTests : LockServiceConformanceTests
{
    protected override (IDistributedLockService First, IDistributedLockService Second) CreateServices(Action<RedisStoresOptions>? configure = null)
    {
        var options = new RedisStoresOptions();
        configure?.Invoke(options);
        var service = new InMemoryDistributedLockService(options);
        return (service, service);
    }
}

/// <summary>The suite on Redis: the two "instances" are two services on two separate connections.</summary>
public abstract class RedisLockServiceTests(RedisEnvironment redis, RedisTopology topology) : LockServiceConformanceTests, IAsyncLifetime
{
    private StackExchange.Redis.IConnectionMultiplexer? _second;

    public async ValueTask InitializeAsync() => _second = await redis.Get(topology).ConnectAnotherAsync();

    public async ValueTask DisposeAsync()
    {
        if (_second is not null)
        {
            await _second.DisposeAsync();
        }
    }

    protected override (IDistributedLockService First, IDistributedLockService Second) CreateServices(Action<RedisStoresOptions>? configure = null)
    {
        var options = new RedisStoresOptions
        {
            KeyPrefix = RedisEnvironment.PrefixFor(topology, "locks"),
        };
        configure?.Invoke(options);
        return (new RedisDistributedLockService(redis.Get(topology).Connection, options), new RedisDistributedLockService(_second!, options));
    }
}

[ConformanceFor(typeof(RedisDistributedLockService), RedisTopology.Standalone)]
public sealed class StandaloneRedisLockServiceTests(RedisEnvironment redis) : RedisLockServiceTests(redis, RedisTopology.Standalone);

[ConformanceFor(typeof(RedisDistributedLockService), RedisTopology.Cluster)]
public sealed class ClusterRedisLockServiceTests(RedisEnvironment redis) : RedisLockServiceTests(redis, RedisTopology.Cluster);

[ConformanceFor(typeof(RedisDistributedLockService), RedisTopology.Prefixed)]
public sealed class PrefixedRedisLockServiceTests(RedisEnvironment redis) : RedisLockServiceTests(redis, RedisTopology.Prefixed);
