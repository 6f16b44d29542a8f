namespace RedisStores.Caching;

/// <summary>
/// Settings of one cache write (<see cref="ICacheStore.SetAsync{T}"/>, <see cref="ICacheStore.SetManyAsync{T}"/>,
/// <see cref="ICacheStore.GetOrSetAsync{T}"/>). Every property left <see langword="null"/> takes the store's default from
/// <see cref="CacheStoreOptions"/>. Instances are immutable and can be shared.
/// </summary>
public sealed record CacheEntryOptions
{
    /// <summary>
    /// How long the entry lives. Default: <see langword="null"/>, meaning <see cref="CacheStoreOptions.DefaultTtl"/>, else
    /// <see cref="RedisStoresOptions.DefaultTtl"/> (1 hour unless changed). Range: 1 millisecond to 365 days.
    /// </summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>
    /// How long the memory cache (L1) may serve the entry without asking Redis; never longer than <see cref="Ttl"/>.
    /// Default: <see langword="null"/>, meaning <see cref="CacheStoreOptions.MemoryCacheTtl"/> (30 seconds). Range: 1 millisecond to 365 days.
    /// </summary>
    public TimeSpan? MemoryCacheTtl { get; init; }

    /// <summary>
    /// Whether the entry is kept past its TTL, for <see cref="CacheStoreOptions.FailSafeMaxDuration"/>, so that
    /// <see cref="ICacheStore.GetOrSetAsync{T}"/> can return it when the factory fails. Reads never return an expired entry.
    /// Default: <see langword="null"/>, meaning <see cref="CacheStoreOptions.FailSafe"/> (off).
    /// </summary>
    public bool? FailSafe { get; init; }

    /// <summary>
    /// Whether <see cref="ICacheStore.GetOrSetAsync{T}"/> takes a distributed lock before running its factory, so that one
    /// instance runs it while the others wait (at most <see cref="CacheStoreOptions.FactoryLockTimeout"/>) and then read its value.
    /// Costs three extra round trips on a miss (acquire, read again, release); nothing on a hit. The wait for the lock is
    /// bounded by <see cref="CacheStoreOptions.FactoryLockTimeout"/>, not by <see cref="CacheStoreOptions.RedisTimeout"/>. Default: <see langword="null"/>, meaning
    /// <see cref="CacheStoreOptions.LockAcrossInstances"/> (off).
    /// </summary>
    public bool? LockAcrossInstances { get; init; }
}
