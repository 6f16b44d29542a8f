using RedisStores.Locking;

namespace RedisStores.Sessions;

/// <summary>The in-memory store's per-session locks and event logs.</summary>
public sealed partial class InMemorySessionStore
{
    /// <inheritdoc />
    public ValueTask<IDistributedLockHandle> AcquireLockAsync(string sessionId, TimeSpan? waitTimeout = null, LockOptions? options = null, CancellationToken cancellationToken = default)
        => SessionLocks.AcquireAsync(_locks, sessionId, waitTimeout, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IDistributedLockHandle?> TryAcquireLockAsync(string sessionId, TimeSpan waitTimeout = default, LockOptions? options = null, CancellationToken cancellationToken = default)
        => SessionLocks.TryAcquireAsync(_locks, sessionId, waitTimeout, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> AppendEventAsync<T>(string sessionId, T sessionEvent, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        var bytes = _inputs.Serialize(sessionId, sessionEvent, "event", nameof(sessionEvent));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = NowMs();
            var entry = Find(sessionId, now) ?? throw new EntityNotFoundException(SessionInputs.EntityKind, sessionId);
            var sequence = entry.Events.Append(now, bytes, _inputs.MaxEvents);
            Renew(entry, now);
            Announce(new SessionEventAppended(sessionId, sequence));
            return ValueTask.FromResult(sequence);
        }
    }

    // The in-memory bus delivers synchronously into subscribers' buffers: no I/O, no waiting, under the lock or not.
    private void Announce(SessionEventAppended appended) => Messaging.Announcer.Announce(_notifications, Messaging.StoreTopics.SessionEvents, appended);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SessionEvent<T>>> GetLastEventsAsync<T>(string sessionId, int count, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        SessionInputs.ValidateEventCount(count, nameof(count));
        cancellationToken.ThrowIfCancellationRequested();
        return ReadEvents<T>(sessionId, log => log.Last(count));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SessionEvent<T>>> GetEventsAsync<T>(string sessionId, long fromSequence, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        SessionInputs.ValidateEventCount(maxCount, nameof(maxCount));
        ArgumentOutOfRangeException.ThrowIfNegative(fromSequence);
        cancellationToken.ThrowIfCancellationRequested();
        return ReadEvents<T>(sessionId, log => log.From(fromSequence, maxCount));
    }

    private ValueTask<IReadOnlyList<SessionEvent<T>>> ReadEvents<T>(string sessionId, Func<InMemoryEventLog, InMemoryEventLog.Item[]> select)
    {
        InMemoryEventLog.Item[] events;
        lock (_gate)
        {
            var entry = Find(sessionId, NowMs(), renew: true);
            events = entry is null ? [] : select(entry.Events);
        }

        return ValueTask.FromResult<IReadOnlyList<SessionEvent<T>>>(Array.ConvertAll(events, e => new SessionEvent<T>
        {
            Sequence = e.Sequence,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(e.TimestampMs),
            Data = _inputs.Deserialize<T>(sessionId, e.Json, "event"),
        }));
    }
}
