namespace RedisStores.Locking;

/// <summary>
/// Named mutual-exclusion locks shared by every instance of a service, with leases, automatic extension, a
/// lost signal and fencing tokens. Take it from DI after <c>services.AddRedisStores()</c>. See <c>docs/locking.md</c>
/// for what a lease-based lock promises and what it does not.
/// </summary>
/// <remarks>
/// Lock names follow the id rule of the stores: 1 to 300 ASCII letters, digits or <c>- _ . @ + = ~ /</c>.
/// Locks are not reentrant: acquiring a lock the caller already holds waits for the caller's own release.
/// </remarks>
public interface IDistributedLockService
{
    /// <summary>Acquires a lock, waiting for it as long as <paramref name="waitTimeout"/> allows.</summary>
    /// <param name="name">The lock's name.</param>
    /// <param name="waitTimeout">How long to wait; <see langword="null"/> waits until acquired or cancelled.</param>
    /// <param name="options">Lease and extension settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The held lock. Dispose it (<c>await using</c>) to release it.</returns>
    /// <exception cref="LockTimeoutException">The lock was not acquired within <paramref name="waitTimeout"/>.</exception>
    ValueTask<IDistributedLockHandle> AcquireAsync(string name, TimeSpan? waitTimeout = null, LockOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Tries to acquire a lock, waiting for it at most <paramref name="waitTimeout"/>.</summary>
    /// <param name="name">The lock's name.</param>
    /// <param name="waitTimeout">How long to wait; <see cref="TimeSpan.Zero"/> (the default) tries once.</param>
    /// <param name="options">Lease and extension settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The held lock, or <see langword="null"/> when another holder kept it for the whole wait.</returns>
    ValueTask<IDistributedLockHandle?> TryAcquireAsync(string name, TimeSpan waitTimeout = default, LockOptions? options = null, CancellationToken cancellationToken = default);
}
