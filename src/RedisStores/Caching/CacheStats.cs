namespace RedisStores.Caching;

/// <summary>
/// Counters of one cache store instance (all its namespace views together) since it was created. Memory counts the
/// memory cache (L1 of the Redis cache, or the whole in-memory cache); Redis counts reads that reached Redis.
/// </summary>
public sealed record CacheStats
{
    /// <summary>Reads answered by the memory cache.</summary>
    public long MemoryHits { get; init; }

    /// <summary>Reads the memory cache could not answer (the Redis cache then asks Redis).</summary>
    public long MemoryMisses { get; init; }

    /// <summary>Reads answered by Redis.</summary>
    public long RedisHits { get; init; }

    /// <summary>Reads Redis answered with no entry.</summary>
    public long RedisMisses { get; init; }

    /// <summary>Keys read, from any tier, that were found.</summary>
    public long Hits { get; init; }

    /// <summary>Keys read that were not found anywhere.</summary>
    public long Misses { get; init; }

    /// <summary>Hits divided by all reads (hits and misses); 0 before the first read.</summary>
    public double HitRate => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);

    /// <summary>Entries written, one per key, including the values get-or-set made.</summary>
    public long Sets { get; init; }

    /// <summary>Keys removed by <see cref="ICacheStore.RemoveAsync"/>.</summary>
    public long Removes { get; init; }

    /// <summary>Namespaces invalidated by this instance.</summary>
    public long NamespaceInvalidations { get; init; }

    /// <summary>Entries the memory cache dropped to stay within <see cref="CacheStoreOptions.MemoryCacheSize"/>.</summary>
    public long Evictions { get; init; }

    /// <summary>Times a get-or-set factory ran.</summary>
    public long FactoryRuns { get; init; }

    /// <summary>Times get-or-set returned an expired fail-safe value because the factory failed.</summary>
    public long FailSafeUses { get; init; }

    /// <summary>Redis calls that failed or timed out and were answered without Redis.</summary>
    public long RedisErrors { get; init; }

    /// <summary>Invalidation messages from other instances that this instance applied to its memory cache.</summary>
    public long InvalidationsReceived { get; init; }

    /// <summary>
    /// Times the memory cache of the Redis cache was emptied: after a reconnect, when invalidation messages may have been
    /// missed, or after more namespaces were invalidated than it tracks (10,000 or <see cref="CacheStoreOptions.MemoryCacheSize"/>).
    /// </summary>
    public long MemoryCacheClears { get; init; }

    /// <summary>Entries in the memory cache now, including expired ones not yet dropped.</summary>
    public int MemoryCacheCount { get; init; }

    /// <summary>The memory cache's bound (<see cref="CacheStoreOptions.MemoryCacheSize"/>); 0 when it is off.</summary>
    public int MemoryCacheCapacity { get; init; }
}
