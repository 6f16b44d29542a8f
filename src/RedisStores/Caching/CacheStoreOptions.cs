namespace RedisStores.Caching;

/// <summary>Settings of the cache store, under <c>RedisStores:Cache</c>. See <c>docs/caching.md</c>.</summary>
public sealed class CacheStoreOptions
{
    /// <summary>
    /// How long entries live when the write names no TTL. Default: <see langword="null"/>, meaning
    /// <see cref="RedisStoresOptions.DefaultTtl"/> (1 hour unless changed, or <c>REDIS_TTL</c>). Range: 1 millisecond to 365 days.
    /// </summary>
    public TimeSpan? DefaultTtl { get; set; }

    /// <summary>
    /// Whether the Redis cache keeps recently used entries in process memory (L1) and serves them without a round trip.
    /// Other instances' writes evict them through pub/sub. The in-memory store is a memory cache whatever this says.
    /// Environment variable: <c>REDIS_MEMORY_CACHE</c> (<c>true</c>/<c>false</c>). Default: <see langword="true"/>.
    /// </summary>
    public bool MemoryCache { get; set; } = true;

    /// <summary>
    /// The most entries the memory cache holds; beyond it the least recently used are evicted. In the in-memory store this
    /// bounds the whole store. Environment variable: <c>REDIS_MEMORY_CACHE_SIZE</c>. Default: 1,000. Range: 1 to 10,000,000.
    /// </summary>
    public int MemoryCacheSize { get; set; } = 1000;

    /// <summary>
    /// How long the memory cache serves an entry before reading it from Redis again: the longest a value can be read
    /// stale when an invalidation message is lost. Default: 30 seconds. Range: 1 millisecond to 365 days.
    /// </summary>
    public TimeSpan MemoryCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The largest serialized value accepted, in bytes; a larger one is refused with an <see cref="ArgumentException"/>
    /// so that one huge value cannot hold up the connection every store shares. Default: 1 MiB (1,048,576). Range: 1 byte to 512 MiB.
    /// </summary>
    public int MaxValueBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The longest any cache call waits for Redis before it falls back (to the memory cache, a miss, or the factory).
    /// Default: 1 second. Range: 1 millisecond to 1 minute.
    /// </summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether Redis failures of cache calls are thrown (<see cref="StoreUnavailableException"/>) instead of being logged,
    /// counted and answered from memory. Default: <see langword="false"/>.
    /// </summary>
    public bool ThrowOnRedisErrors { get; set; }

    /// <summary>Whether entries are fail-safe when the write does not say (see <see cref="CacheEntryOptions.FailSafe"/>). Default: <see langword="false"/>.</summary>
    public bool FailSafe { get; set; }

    /// <summary>How long past its TTL a fail-safe entry is kept for a failing factory. Default: 1 day. Range: 1 second to 365 days.</summary>
    public TimeSpan FailSafeMaxDuration { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Whether get-or-set locks across instances when the call does not say (see <see cref="CacheEntryOptions.LockAcrossInstances"/>). Default: <see langword="false"/>.</summary>
    public bool LockAcrossInstances { get; set; }

    /// <summary>
    /// How long get-or-set waits for another instance's factory when locking across instances; after it, this instance runs
    /// the factory itself. Default: 10 seconds. Range: 0 to 1 hour.
    /// </summary>
    public TimeSpan FactoryLockTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
