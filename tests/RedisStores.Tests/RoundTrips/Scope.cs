using Microsoft.Extensions.Time.Testing;
using RedisStores.Caching;
using RedisStores.Locking;
using RedisStores.Messaging;
using RedisStores.Sessions;
using RedisStores.Tasks;
using RedisStores.Tests.Infrastructure;
using RedisStores.Workers;
using StackExchange.Redis;

namespace RedisStores.Tests.RoundTrips;

/// <summary>
/// The stores of one scenario run, under a key prefix of their own, so every run starts from an empty keyspace and
/// measures the same thing. A store is made on first use and primed: its one-time subscriptions are made before the
/// scenario runs, so rows show what every later call costs (rows named "first call" use an unprimed store instead).
/// </summary>
internal sealed class Scope : IAsyncDisposable
{
    /// <summary>The durable topic of the bus's rows.</summary>
    internal const string DurableTopic = "audit";

    private readonly List<IAsyncDisposable> _owned = [];
    private int _ids;
    private RedisTaskStore? _tasks;
    private RedisDistributedLockService? _locks;
    private RedisDistributedLockService? _otherLocks;
    private RedisSessionStore? _sessions;
    private RedisCacheStore? _cache;
    private RedisCacheStore? _otherCache;
    private RedisWorkerStore? _workers;
    private RedisMessageBus? _bus;

    internal Scope(IConnectionMultiplexer connection)
    {
        Connection = connection;
        Options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix("redisstores:rtt") };

        // Waits are woken by notifications, never by a poll that a slow machine could let fire first.
        Options.Locks.PollInterval = TimeSpan.FromHours(1);
        Options.Workers.IdlePollInterval = TimeSpan.FromDays(1);
        Options.Messaging.DurableTopics[DurableTopic] = new DurableTopicOptions();
    }

    internal IConnectionMultiplexer Connection { get; }

    internal RedisStoresOptions Options { get; }

    /// <summary>
    /// The clock of the lock services: it never moves, so no lease renewal, lease loss or poll ever fires on its own
    /// during a measurement. Leases on the server still run on the server's clock.
    /// </summary>
    internal FakeTimeProvider LockClock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>A fresh id for this run.</summary>
    internal string Id(string stem) => $"{stem}-{++_ids}";

    internal async Task<RedisTaskStore> TasksAsync()
    {
        if (_tasks is null)
        {
            _tasks = NewTaskStore();
            await Assert.ThrowsAsync<EntityNotFoundException>(() => _tasks.WaitForCompletionAsync("prime", TimeSpan.FromSeconds(1)).AsTask());
        }

        return _tasks;
    }

    /// <summary>A task store that has not subscribed to status changes yet.</summary>
    internal RedisTaskStore NewTaskStore()
    {
        var store = new RedisTaskStore(Connection, Options) { SafetyPoll = TimeSpan.FromHours(1) };
        _owned.Add(store);
        return store;
    }

    internal async Task<RedisDistributedLockService> LocksAsync() => _locks ??= await PrimedAsync(NewLockService());

    /// <summary>A second lock service: another instance of the application.</summary>
    internal async Task<RedisDistributedLockService> OtherLocksAsync() => _otherLocks ??= await PrimedAsync(NewLockService());

    /// <summary>A lock service that has not subscribed to release notifications yet.</summary>
    internal RedisDistributedLockService NewLockService() => new(Connection, Options, LockClock);

    internal async Task<RedisSessionStore> SessionsAsync() => _sessions ??= new RedisSessionStore(Connection, Options, locks: await LocksAsync());

    internal async Task<RedisCacheStore> CacheAsync() => _cache ??= await PrimedAsync(new RedisCacheStore(Connection, Options, locks: await LocksAsync()));

    /// <summary>A second cache: another instance of the application, whose writes this one has not read yet.</summary>
    internal async Task<RedisCacheStore> OtherCacheAsync() => _otherCache ??= await PrimedAsync(new RedisCacheStore(Connection, Options, locks: await OtherLocksAsync()));

    internal RedisWorkerStore Workers => _workers ??= new RedisWorkerStore(Connection, Options);

    internal RedisMessageBus Bus => _bus ??= new RedisMessageBus(Connection, Options);

    /// <summary>Disposes what the scenario hands over when the run ends (lock handles, subscriptions).</summary>
    internal T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        if (_cache is not null)
        {
            await _cache.DisposeAsync();
        }

        if (_otherCache is not null)
        {
            await _otherCache.DisposeAsync();
        }
    }

    private static async Task<RedisDistributedLockService> PrimedAsync(RedisDistributedLockService locks)
    {
        await using var handle = await locks.AcquireAsync("prime");
        return locks;
    }

    // The cache subscribes on its first call to Redis, and empties its memory once subscribed.
    private static async Task<RedisCacheStore> PrimedAsync(RedisCacheStore cache)
    {
        await cache.GetAsync<int>("prime");
        await cache.Subscribed.WaitAsync(TimeSpan.FromSeconds(30));
        return cache;
    }
}
