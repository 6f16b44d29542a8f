namespace RedisStores.Locking;

/// <summary>
/// What a lock service needs from where locks live. <see cref="LockEngine"/> builds waiting, handles, extension
/// and the lost signal on it once, for the in-memory and the Redis services alike.
/// </summary>
internal abstract class LockBackend
{
    /// <summary>The outcome of one attempt: the fencing token when acquired, else how long the holder's lease still runs.</summary>
    internal readonly record struct Attempt(bool Acquired, long FencingToken, TimeSpan HolderLeaseLeft);

    /// <summary>Woken by releases: the in-memory backend signals them itself, Redis by pub/sub.</summary>
    internal ReleaseSignals Releases { get; } = new();

    /// <summary>Makes sure release notifications arrive before the first wait. May fail; waiting then polls.</summary>
    internal virtual ValueTask EnsureNotificationsAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    internal abstract ValueTask<Attempt> TryAcquireAsync(string name, string owner, TimeSpan lease, CancellationToken cancellationToken);

    internal abstract ValueTask<bool> ExtendAsync(string name, string owner, TimeSpan lease, CancellationToken cancellationToken);

    internal abstract ValueTask<bool> ReleaseAsync(string name, string owner, CancellationToken cancellationToken);
}
