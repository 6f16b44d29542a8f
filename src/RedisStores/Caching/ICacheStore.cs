namespace RedisStores.Caching;

/// <summary>
/// A cache shared by every instance of a service: typed values with a TTL, get-or-set with stampede protection,
/// namespaces that are invalidated as a whole, batch reads and writes, and an optional in-process memory cache (L1)
/// kept coherent across instances. Take it from DI after <c>services.AddRedisStores()</c>. See <c>docs/caching.md</c>.
/// </summary>
/// <remarks>
/// <para>
/// Keys are 1 to 512 ASCII letters, digits or <c>- _ . @ + = ~ / :</c> (so <c>user:42:profile</c> is a key).
/// A store without a namespace and each of its <see cref="WithNamespace(string)"/> views hold separate keys.
/// </para>
/// <para>
/// A cache keeps the application working when Redis does not: by default, a read that cannot reach Redis falls back
/// to the memory cache or misses, <see cref="GetOrSetAsync{T}"/> still runs its factory, and a write that cannot reach
/// Redis is logged and counted in <see cref="GetStats"/> rather than thrown (set
/// <see cref="CacheStoreOptions.ThrowOnRedisErrors"/> to see the exceptions instead). No call waits for Redis longer than
/// <see cref="CacheStoreOptions.RedisTimeout"/>, except a get-or-set that locks across instances, which waits for the
/// lock at most <see cref="CacheStoreOptions.FactoryLockTimeout"/>. Bad arguments, values over the size limit, data in Redis this cache did
/// not write, and values the serializer cannot read are always thrown.
/// </para>
/// </remarks>
public interface ICacheStore
{
    /// <summary>The namespace this view reads and writes in; <see langword="null"/> for the store itself.</summary>
    string? NamespaceName { get; }

    /// <summary>
    /// A view of the cache whose keys live in the namespace <paramref name="name"/>, which
    /// <see cref="InvalidateNamespaceAsync(string, CancellationToken)"/> empties in one step. Views are cheap and share
    /// the store's memory cache, statistics and connection. Namespaces do not nest: a view's
    /// <see cref="WithNamespace(string)"/> gives the view of the named namespace.
    /// </summary>
    /// <param name="name">The namespace: 1 to 256 ASCII letters, digits or <c>- _ . @ + = ~ / :</c>.</param>
    /// <returns>The view.</returns>
    ICacheStore WithNamespace(string name);

    /// <summary>Reads a value.</summary>
    /// <typeparam name="T">The type to read the value as.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Stops waiting for the cache.</param>
    /// <returns>The value, or <see langword="default"/> when the key is not cached (use <see cref="TryGetAsync{T}"/> to tell a cached default apart).</returns>
    ValueTask<T?> GetAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <summary>Reads a value, telling a miss apart from a cached <see langword="null"/> or default.</summary>
    /// <typeparam name="T">The type to read the value as.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Stops waiting for the cache.</param>
    /// <returns>The value, or a <see cref="CacheValue{T}"/> without one (<see cref="CacheValue{T}.HasValue"/> false) when the key is not cached.</returns>
    ValueTask<CacheValue<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <summary>Writes a value, replacing any other under the key, and evicts the key from every instance's memory cache.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="value">The value; <see langword="null"/> is cached like any other value.</param>
    /// <param name="options">TTL and other settings of this entry; <see langword="null"/> takes the store's defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the cache.</param>
    /// <returns>A task that completes when the value is written (or, when Redis is unavailable, kept in memory only).</returns>
    /// <exception cref="ArgumentException">The serialized value is larger than <see cref="CacheStoreOptions.MaxValueBytes"/>.</exception>
    ValueTask SetAsync<T>(string key, T value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads a value, or makes it with <paramref name="factory"/> and caches it. Concurrent callers for one missing key
    /// in one process share one factory run; with <see cref="CacheEntryOptions.LockAcrossInstances"/>, one run across
    /// every instance.
    /// </summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="factory">
    /// Makes the value when it is not cached. Its token is cancelled when every caller waiting for it has cancelled.
    /// What it throws reaches every waiting caller, and nothing is cached, unless fail-safe is on and an earlier value is
    /// known: then that value is returned.
    /// </param>
    /// <param name="options">TTL, fail-safe and locking of this entry; <see langword="null"/> takes the store's defaults.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The cached or new value. A new value too large to cache (see <see cref="CacheStoreOptions.MaxValueBytes"/>) is returned uncached and logged.</returns>
    ValueTask<T> GetOrSetAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Removes a key, here and from every instance's memory cache. Removing a key that is not cached does nothing.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Stops waiting for the cache.</param>
    /// <returns>A task that completes when the key is removed.</returns>
    ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Reads many values in one round trip to Redis (on Redis Cluster, one command per hash slot, sent together).</summary>
    /// <typeparam name="T">The type to read the values as.</typeparam>
    /// <param name="keys">The keys; duplicates are read once.</param>
    /// <param name="cancellationToken">Stops waiting for the cache.</param>
    /// <returns>The cached keys and their values; keys not cached are absent.</returns>
    ValueTask<IReadOnlyDictionary<string, T>> GetManyAsync<T>(IEnumerable<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Writes many values with the same settings in one round trip to Redis.</summary>
    /// <typeparam name="T">The values' type.</typeparam>
    /// <param name="items">The keys and values; when a key appears twice, the last value wins.</param>
    /// <param name="options">TTL and other settings of every entry; <see langword="null"/> takes the store's defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the cache.</param>
    /// <returns>A task that completes when the values are written.</returns>
    /// <exception cref="ArgumentException">A serialized value is larger than <see cref="CacheStoreOptions.MaxValueBytes"/>; nothing is written.</exception>
    ValueTask SetManyAsync<T>(IEnumerable<KeyValuePair<string, T>> items, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Empties a namespace in one step, here and in every instance's memory cache. The cost does not depend on how many
    /// keys the namespace or the cache holds: the namespace's entries become unreadable at once and Redis frees them as
    /// their TTLs run out.
    /// </summary>
    /// <param name="name">The namespace.</param>
    /// <param name="cancellationToken">Stops waiting for the cache.</param>
    /// <returns>A task that completes when the namespace is invalidated.</returns>
    ValueTask InvalidateNamespaceAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>This instance's counters since the store was created: hits and misses by tier, writes, evictions, errors.</summary>
    /// <returns>A snapshot of the counters.</returns>
    CacheStats GetStats();
}
