namespace RedisStores.Locking;

/// <summary>
/// A held lock. While held (and <see cref="LockOptions.AutoExtend"/> is on) its lease is renewed in the background.
/// Dispose it to release the lock; releasing a lock that was lost does nothing and never touches the next holder.
/// </summary>
public interface IDistributedLockHandle : IAsyncDisposable
{
    /// <summary>The lock's name.</summary>
    string Name { get; }

    /// <summary>
    /// A number that rises strictly with each grant of this lock name: on Redis across instances and host restarts,
    /// in memory within the process. Pass it
    /// to the resource the lock protects, and have the resource refuse any token lower than the highest it has seen:
    /// that keeps a paused holder whose lease ran out from overwriting the work of the next holder.
    /// </summary>
    long FencingToken { get; }

    /// <summary>The lease: how long the lock stays held without an extension.</summary>
    TimeSpan Lease { get; }

    /// <summary>
    /// Cancelled when the lock is lost: its lease ran out before an extension succeeded, or another holder took it
    /// over. Pass it to the work the lock protects, so the work stops when exclusivity may be gone. Callbacks
    /// registered on it run on the thread pool; one that throws is logged (event 34), not rethrown.
    /// </summary>
    CancellationToken HandleLostToken { get; }

    /// <summary>Whether the lock is known to be lost (<see cref="HandleLostToken"/> is cancelled).</summary>
    bool IsLost { get; }

    /// <summary>Renews the lease now, as the automatic extension does.</summary>
    /// <param name="lease">The new lease; <see langword="null"/> keeps <see cref="Lease"/>.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>
    /// <see langword="true"/> when renewed; <see langword="false"/> when the handle was released, or the lock was lost
    /// (then <see cref="HandleLostToken"/> fires, if it had not already).
    /// </returns>
    ValueTask<bool> ExtendAsync(TimeSpan? lease = null, CancellationToken cancellationToken = default);

    /// <summary>Releases the lock, only if this handle still holds it. Disposing the handle does the same.</summary>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns><see langword="true"/> when this handle held the lock and released it.</returns>
    ValueTask<bool> ReleaseAsync(CancellationToken cancellationToken = default);
}
