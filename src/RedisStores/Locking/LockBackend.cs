namespace RedisStores.Locking;

/// <summary>
/// What a lock service needs from where locks live. <see cref="LockEngine"/> builds waiting, handles, extension
/// and the lost signal on it once, for the in-memory and the Redis services alike.
/// </summary>
/// <remarks>
/// An owner is a number unique within the backend, which the backend turns into a token unique everywhere (Redis adds
/// a random id of the service instance): no string is made per acquisition.
/// </remarks>
internal abstract class LockBackend
{
    /// <summary>The outcome of one attempt: the fencing token when acquired, else how long the holder's lease still runs.</summary>
    internal readonly record struct Attempt(bool Acquired, long FencingToken, TimeSpan HolderLeaseLeft);

    /// <summary>Woken by releases: the in-memory backend signals them itself, Redis by pub/sub.</summary>
    internal ReleaseSignals Releases { get; } = new();

    /// <summary>Makes sure release notifications arrive before the first wait. May fail; waiting then polls.</summary>
    internal virtual ValueTask EnsureNotificationsAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Whether release notifications arrive now; an attempt sent before they did cannot rely on them.</summary>
    internal virtual bool NotificationsLive => true;

    /// <summary>Starts making release notifications arrive, without waiting for them, so the first attempt goes out beside it.</summary>
    internal virtual void StartNotifications()
    {
    }

    /// <summary>What the attempts, renewals and release of one acquisition of <paramref name="name"/> share (Redis: its keys), made once.</summary>
    internal virtual object? Prepare(string name) => null;

    internal abstract ValueTask<Attempt> TryAcquireAsync(string name, object? prepared, long owner, TimeSpan lease, CancellationToken cancellationToken);

    internal abstract ValueTask<bool> ExtendAsync(string name, object? prepared, long owner, TimeSpan lease, CancellationToken cancellationToken);

    internal abstract ValueTask<bool> ReleaseAsync(string name, object? prepared, long owner, CancellationToken cancellationToken);
}
