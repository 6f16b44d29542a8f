using Microsoft.Extensions.Logging;
using RedisStores.Locking;
using RedisStores.Redis;
using RedisStores.Serialization;
using StackExchange.Redis;

namespace RedisStores.Caching;

/// <summary>
/// The Redis <see cref="ICacheStore"/>: each entry one Redis string with a TTL, read and written in one round trip,
/// with an optional memory cache (L1) in front that other instances' writes evict through pub/sub. Works on a
/// standalone server and on Redis Cluster, where entries spread over every node. See <c>docs/caching.md</c> and
/// <c>docs/data-model.md</c>.
/// </summary>
public sealed class RedisCacheStore : ICacheStore, IAsyncDisposable, IDisposable
{
    private readonly CacheEngine _engine;
    private readonly RedisCacheBackend _backend;

    /// <summary>Creates a Redis cache on a connection the caller owns (and disposes).</summary>
    /// <param name="connection">The Redis connection.</param>
    /// <param name="options">The settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="serializer">Serializes values; <see langword="null"/> uses <see cref="JsonStoreSerializer.Default"/>.</param>
    /// <param name="timeProvider">The clock of expiry instants; <see langword="null"/> uses the system clock.</param>
    /// <param name="locks">The lock service of <see cref="CacheEntryOptions.LockAcrossInstances"/>; <see langword="null"/> makes a <see cref="RedisDistributedLockService"/> on the same connection.</param>
    /// <param name="logger">Receives warnings about Redis outages and fail-safe use; <see langword="null"/> logs nothing.</param>
    public RedisCacheStore(
        IConnectionMultiplexer connection,
        RedisStoresOptions? options = null,
        IStoreSerializer? serializer = null,
        TimeProvider? timeProvider = null,
        IDistributedLockService? locks = null,
        ILogger<RedisCacheStore>? logger = null)
        : this(new RedisConnection(connection ?? throw new ArgumentNullException(nameof(connection))), options, serializer, timeProvider, locks, logger)
    {
    }

    internal RedisCacheStore(RedisConnection connection, RedisStoresOptions? options, IStoreSerializer? serializer, TimeProvider? timeProvider, IDistributedLockService? locks, ILogger? logger)
    {
        var inputs = new CacheInputs(options, serializer);
        var counters = new CacheCounters();
        var memory = inputs.Cache.MemoryCache ? new MemoryTier(inputs.Cache.MemoryCacheSize, counters, readsElsewhere: true) : null;
        logger ??= Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _backend = new RedisCacheBackend(connection, inputs.Options, memory, counters, logger);
        _engine = new CacheEngine(inputs, timeProvider, logger, counters, memory, _backend, locks ?? new RedisDistributedLockService(connection, inputs.Options, timeProvider, null));
    }

    /// <summary>The id this instance puts in its invalidation messages (and ignores when they come back).</summary>
    internal string InstanceId => _backend.InstanceId;

    /// <summary>Completes once this instance receives invalidations; the subscription starts with the first call that reaches Redis.</summary>
    internal Task Subscribed => _backend.Subscribed;

    /// <inheritdoc />
    public string? NamespaceName => null;

    /// <inheritdoc />
    public ICacheStore WithNamespace(string name) => new CacheView(_engine, name);

    /// <inheritdoc />
    public ValueTask<T?> GetAsync<T>(string key, CancellationToken cancellationToken = default)
        => _engine.GetAsync<T>(null, key, cancellationToken);

    /// <inheritdoc />
    public ValueTask<CacheValue<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default)
        => _engine.TryGetAsync<T>(null, key, cancellationToken);

    /// <inheritdoc />
    public ValueTask SetAsync<T>(string key, T value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
        => _engine.SetAsync(null, key, value, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<T> GetOrSetAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
        => _engine.GetOrSetAsync(null, key, factory, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
        => _engine.RemoveAsync(null, key, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<string, T>> GetManyAsync<T>(IEnumerable<string> keys, CancellationToken cancellationToken = default)
        => _engine.GetManyAsync<T>(null, keys, cancellationToken);

    /// <inheritdoc />
    public ValueTask SetManyAsync<T>(IEnumerable<KeyValuePair<string, T>> items, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
        => _engine.SetManyAsync(null, items, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask InvalidateNamespaceAsync(string name, CancellationToken cancellationToken = default)
        => _engine.InvalidateNamespaceAsync(name, cancellationToken);

    /// <inheritdoc />
    public CacheStats GetStats() => _engine.GetStats();

    /// <summary>Stops listening for invalidations. The connection stays open: it belongs to its owner.</summary>
    /// <returns>A task that completes when the subscription is gone.</returns>
    public ValueTask DisposeAsync() => _backend.DisposeAsync();

    /// <summary>Stops listening for invalidations, without waiting for Redis to confirm.</summary>
    public void Dispose() => _backend.Dispose();
}
