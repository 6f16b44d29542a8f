using Microsoft.Extensions.Logging;
using RedisStores.Serialization;

namespace RedisStores.Caching;

/// <summary>
/// The in-memory <see cref="ICacheStore"/>, for development, tests and single-instance hosts: the same rules as the Redis
/// cache, held in this process and bounded by <see cref="CacheStoreOptions.MemoryCacheSize"/> entries (least recently
/// used evicted first). Values are kept serialized, so a caller changing what it read cannot change the cache.
/// </summary>
public sealed class InMemoryCacheStore : ICacheStore
{
    private readonly CacheEngine _engine;

    /// <summary>Creates an in-memory cache.</summary>
    /// <param name="options">The settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="serializer">Serializes values; <see langword="null"/> uses <see cref="JsonStoreSerializer.Default"/>.</param>
    /// <param name="timeProvider">The clock of expiry; <see langword="null"/> uses the system clock.</param>
    /// <param name="logger">Receives warnings (fail-safe used, values too large to cache); <see langword="null"/> logs nothing.</param>
    public InMemoryCacheStore(RedisStoresOptions? options = null, IStoreSerializer? serializer = null, TimeProvider? timeProvider = null, ILogger<InMemoryCacheStore>? logger = null)
    {
        var inputs = new CacheInputs(options, serializer);
        var counters = new CacheCounters();
        var memory = new MemoryTier(inputs.Cache.MemoryCacheSize, counters, readsElsewhere: false);
        // One process: the in-process stampede protection is already "across instances".
        _engine = new CacheEngine(inputs, timeProvider, logger, counters, memory, null, null);
    }

    /// <summary>A store that also announces its writes on <paramref name="notifications"/>.</summary>
    internal InMemoryCacheStore(RedisStoresOptions? options, IStoreSerializer? serializer, TimeProvider? timeProvider, ILogger<InMemoryCacheStore>? logger, Messaging.IMessageBus? notifications)
        : this(options, serializer, timeProvider, logger)
    {
        if (notifications is not null)
        {
            _engine.Announce = (ns, keys) => Messaging.Announcer.Announce(notifications, Messaging.StoreTopics.CacheInvalidations, new CacheInvalidated(ns, keys), logger);
        }
    }

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
}
