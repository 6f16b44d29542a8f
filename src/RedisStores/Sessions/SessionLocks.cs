using RedisStores.Locking;

namespace RedisStores.Sessions;

/// <summary>The per-session lock of both session stores: a lock of the lock service named <c>session/{id}</c>.</summary>
internal static class SessionLocks
{
    internal static string Name(string sessionId)
    {
        SessionInputs.ValidateId(sessionId);
        return "session/" + sessionId;
    }

    internal static ValueTask<IDistributedLockHandle> AcquireAsync(IDistributedLockService locks, string sessionId, TimeSpan? waitTimeout, LockOptions? options, CancellationToken cancellationToken)
        => locks.AcquireAsync(Name(sessionId), waitTimeout, options, cancellationToken);

    internal static ValueTask<IDistributedLockHandle?> TryAcquireAsync(IDistributedLockService locks, string sessionId, TimeSpan waitTimeout, LockOptions? options, CancellationToken cancellationToken)
        => locks.TryAcquireAsync(Name(sessionId), waitTimeout, options, cancellationToken);
}
