namespace RedisStores.Locking;

/// <summary>How one lock is held. Every property is optional.</summary>
public sealed record LockOptions
{
    /// <summary>
    /// How long the lock stays held without an extension; <see langword="null"/> takes
    /// <see cref="RedisStoresOptions.LockTimeout"/> (30 seconds unless changed, <c>REDIS_LOCK_TIMEOUT</c>).
    /// Range: 10 milliseconds to 1 day.
    /// </summary>
    public TimeSpan? Lease { get; init; }

    /// <summary>Whether the lease is renewed in the background while the lock is held. Default: <see langword="true"/>.</summary>
    public bool AutoExtend { get; init; } = true;

    /// <summary>
    /// How often the lease is renewed when <see cref="AutoExtend"/> is on; <see langword="null"/> (the default)
    /// renews every third of the lease. Must be shorter than the lease.
    /// </summary>
    public TimeSpan? ExtendInterval { get; init; }
}
