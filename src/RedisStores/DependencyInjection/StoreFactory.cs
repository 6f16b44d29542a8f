using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RedisStores.Caching;
using RedisStores.Internal;
using RedisStores.Locking;
using RedisStores.Messaging;
using RedisStores.Sessions;
using RedisStores.Redis;
using RedisStores.Serialization;
using RedisStores.Tasks;
using RedisStores.Workers;
using StackExchange.Redis;

namespace RedisStores.DependencyInjection;

/// <summary>
/// Picks the backend once per container and builds every store on it: Redis when the host registered an
/// <see cref="IConnectionMultiplexer"/> or a Redis URL is configured, memory otherwise. A new store adds one
/// <c>CreateXxx</c> method here and one registration in <see cref="Microsoft.Extensions.DependencyInjection.RedisStoresServiceCollectionExtensions"/>.
/// </summary>
internal sealed class StoreFactory : IAsyncDisposable, IDisposable
{
    private readonly IServiceProvider _services;
    private readonly RedisStoresOptions _options;
    private readonly RedisConnection? _connection;

    public StoreFactory(IServiceProvider services, IOptions<RedisStoresOptions> options)
    {
        _services = services;
        _options = options.Value;
        var loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("RedisStores");

        if (services.GetService<IConnectionMultiplexer>() is { } hostConnection)
        {
            _connection = new RedisConnection(hostConnection, logger);
            Log.UsingHostConnection(logger, _connection.Description, _options.KeyPrefix);
        }
        else if (!string.IsNullOrWhiteSpace(_options.RedisUrl))
        {
            var configuration = RedisConfiguration.Parse(_options.RedisUrl);
            _options.ConfigureConnection?.Invoke(configuration);
            _connection = new RedisConnection(configuration, logger);
            Log.UsingRedis(logger, _connection.Description, _options.KeyPrefix);
        }
        else
        {
            Log.UsingMemory(logger);
        }

        Info = _connection is null
            ? new StoreBackendInfo(StoreBackend.InMemory, "in memory", _options.KeyPrefix)
            : new StoreBackendInfo(StoreBackend.Redis, _connection.Description, _options.KeyPrefix);
    }

    public StoreBackendInfo Info { get; }

    public ITaskStore CreateTaskStore()
        => _connection is null
            ? new InMemoryTaskStore(_options, Serializer, Time, _services.GetService<IMessageBus>())
            : new RedisTaskStore(_connection, _options, Serializer, Time, _services.GetService<ILogger<RedisTaskStore>>());

    public IDistributedLockService CreateLockService()
        => _connection is null
            ? new InMemoryDistributedLockService(_options, Time, _services.GetService<ILogger<InMemoryDistributedLockService>>())
            : new RedisDistributedLockService(_connection, _options, Time, _services.GetService<ILogger<RedisDistributedLockService>>());

    public ISessionStore CreateSessionStore()
        => _connection is null
            ? new InMemorySessionStore(_options, Time, Locks, _services.GetService<IMessageBus>())
            : new RedisSessionStore(_connection, _options, Time, Locks);

    public ICacheStore CreateCacheStore()
        => _connection is null
            ? new InMemoryCacheStore(_options, Serializer, Time, _services.GetService<ILogger<InMemoryCacheStore>>(), _services.GetService<IMessageBus>())
            : new RedisCacheStore(_connection, _options, Serializer, Time, Locks, _services.GetService<ILogger<RedisCacheStore>>());

    public IWorkerStore CreateWorkerStore()
        => _connection is null
            ? new InMemoryWorkerStore(_options, Serializer, Time, _services.GetService<IMessageBus>())
            : new RedisWorkerStore(_connection, _options, Serializer, Time);

    public IMessageBus CreateMessageBus()
        => _connection is null
            ? new InMemoryMessageBus(_options, Serializer, Time, _services.GetService<ILogger<InMemoryMessageBus>>())
            : new RedisMessageBus(_connection, _options, Serializer, Time, _services.GetService<ILogger<RedisMessageBus>>());

    private IDistributedLockService Locks => _services.GetRequiredService<IDistributedLockService>();

    private IStoreSerializer Serializer => _services.GetRequiredService<IStoreSerializer>();

    private TimeProvider Time => _services.GetRequiredService<TimeProvider>();

    public ValueTask DisposeAsync() => _connection?.DisposeAsync() ?? ValueTask.CompletedTask;

    public void Dispose() => _connection?.Dispose();
}
