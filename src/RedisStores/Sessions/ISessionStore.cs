using RedisStores.Locking;

namespace RedisStores.Sessions;

/// <summary>
/// Sessions shared by every instance of a service: data of any JSON-serializable type, read and written whole or a
/// field at a time, with TTL (fixed or sliding), optimistic concurrency, listing, a per-session lock and a bounded
/// per-session event log. Take it from DI after <c>services.AddRedisStores()</c>. See <c>docs/sessions.md</c>.
/// </summary>
/// <remarks>
/// Session data is JSON: its top-level properties are the session's fields, so <see cref="SetFieldAsync{T}"/>
/// changes one property of what <see cref="GetAsync{T}"/> returns. Every write returns the session's new version;
/// pass a version you read as <c>expectedVersion</c> and a concurrent change fails with
/// <see cref="VersionConflictException"/> instead of being overwritten. Ids follow the id rule of every store:
/// 1 to 256 ASCII letters, digits or <c>- _ . @ + = ~ /</c>. On Redis each single-session operation is one round trip.
/// </remarks>
public interface ISessionStore
{
    /// <summary>Reads a session's data. A sliding session's TTL starts again.</summary>
    /// <typeparam name="T">The type to read the data as.</typeparam>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The session, or <see langword="null"/> when it does not exist or has expired.</returns>
    ValueTask<SessionEntry<T>?> GetAsync<T>(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces a session's data, as one write.</summary>
    /// <typeparam name="T">A type that serializes to a JSON object (a class, record or dictionary).</typeparam>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="data">The data; its top-level properties become the session's fields.</param>
    /// <param name="options">TTL, sliding expiration and the expected version; <see langword="null"/> takes the defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>
    /// The session's new version. A session's versions rise by one with each write; a new session starts above any
    /// version its id had before (so a writer holding a version of a deleted or expired session never matches).
    /// </returns>
    /// <exception cref="VersionConflictException">The session's version is not <see cref="SessionWriteOptions.ExpectedVersion"/>.</exception>
    ValueTask<long> SetAsync<T>(string sessionId, T data, SessionWriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a session, its fields and its events.</summary>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns><see langword="true"/> when a session was deleted.</returns>
    ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Starts a session's TTL again: it expires <paramref name="ttl"/> from now.</summary>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="ttl">The time to live from now; <see langword="null"/> uses the session's own TTL.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns><see langword="true"/> when the session exists and was extended.</returns>
    ValueTask<bool> ExtendAsync(string sessionId, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>Reads how long a session has left, without renewing it.</summary>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The time left, or <see langword="null"/> when the session does not exist.</returns>
    ValueTask<TimeSpan?> GetTimeToLiveAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Reads one field of a session. A sliding session's TTL starts again.</summary>
    /// <typeparam name="T">The type to read the field as.</typeparam>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="field">The field (a top-level property of the session's data).</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The field and the session's version, or <see langword="null"/> when the session or the field does not exist.</returns>
    ValueTask<SessionField<T>?> GetFieldAsync<T>(string sessionId, string field, CancellationToken cancellationToken = default);

    /// <summary>Writes one field of an existing session, leaving the others as they are, atomically.</summary>
    /// <typeparam name="T">The field's type.</typeparam>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="field">The field.</param>
    /// <param name="value">The value.</param>
    /// <param name="expectedVersion">The version the write requires; <see langword="null"/> writes whatever the version.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The session's new version.</returns>
    /// <exception cref="EntityNotFoundException">The session does not exist or has expired.</exception>
    /// <exception cref="VersionConflictException">The session's version is not <paramref name="expectedVersion"/>.</exception>
    ValueTask<long> SetFieldAsync<T>(string sessionId, string field, T value, long? expectedVersion = null, CancellationToken cancellationToken = default);

    /// <summary>Removes one field of an existing session.</summary>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="field">The field.</param>
    /// <param name="expectedVersion">The version the write requires; <see langword="null"/> writes whatever the version.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The session's version: new when the field was removed, unchanged when there was no such field.</returns>
    /// <exception cref="EntityNotFoundException">The session does not exist or has expired.</exception>
    /// <exception cref="VersionConflictException">The session's version is not <paramref name="expectedVersion"/>.</exception>
    ValueTask<long> RemoveFieldAsync(string sessionId, string field, long? expectedVersion = null, CancellationToken cancellationToken = default);

    /// <summary>Lists live sessions in id order (ordinal), a page at a time.</summary>
    /// <param name="query">The page size and cursor; <see langword="null"/> reads the first 100.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>A page of sessions and the cursor of the next page.</returns>
    ValueTask<SessionPage> ListAsync(SessionQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Counts live sessions. On Redis it is one <c>ZCOUNT</c> of the expiry index: O(log n) in the sessions, never a scan.</summary>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>How many sessions are live.</returns>
    ValueTask<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Acquires the session's lock (on <see cref="IDistributedLockService"/>), waiting as long as <paramref name="waitTimeout"/> allows.</summary>
    /// <param name="sessionId">The session's id; the session need not exist.</param>
    /// <param name="waitTimeout">How long to wait; <see langword="null"/> waits until acquired or cancelled.</param>
    /// <param name="options">Lease and extension settings.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The held lock; dispose it to release it. Extend it with <see cref="IDistributedLockHandle.ExtendAsync"/>.</returns>
    /// <exception cref="LockTimeoutException">The lock was not acquired within <paramref name="waitTimeout"/>.</exception>
    ValueTask<IDistributedLockHandle> AcquireLockAsync(string sessionId, TimeSpan? waitTimeout = null, LockOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Tries to acquire the session's lock within <paramref name="waitTimeout"/>.</summary>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="waitTimeout">How long to wait; <see cref="TimeSpan.Zero"/> tries once.</param>
    /// <param name="options">Lease and extension settings.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The held lock, or <see langword="null"/> when another holder kept it.</returns>
    ValueTask<IDistributedLockHandle?> TryAcquireLockAsync(string sessionId, TimeSpan waitTimeout = default, LockOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends an event to a session's log. The log keeps the newest <see cref="SessionStoreOptions.MaxEvents"/>
    /// events (older ones are dropped) and expires with its session.
    /// </summary>
    /// <typeparam name="T">The event's type.</typeparam>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="sessionEvent">The event.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The event's sequence number: 1 for a session's first event, rising by one with each.</returns>
    /// <exception cref="EntityNotFoundException">The session does not exist or has expired.</exception>
    ValueTask<long> AppendEventAsync<T>(string sessionId, T sessionEvent, CancellationToken cancellationToken = default);

    /// <summary>Reads a session's newest events, oldest first.</summary>
    /// <typeparam name="T">The type to read the events as.</typeparam>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="count">How many of the newest events to read; 1 to 10,000.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The events (empty when the session does not exist or has none).</returns>
    ValueTask<IReadOnlyList<SessionEvent<T>>> GetLastEventsAsync<T>(string sessionId, int count, CancellationToken cancellationToken = default);

    /// <summary>Reads a session's events from a sequence number on, oldest first.</summary>
    /// <typeparam name="T">The type to read the events as.</typeparam>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="fromSequence">The first sequence number wanted; events dropped by the bound are skipped.</param>
    /// <param name="maxCount">How many events to read at most; 1 to 10,000.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The events (empty when the session does not exist or has none in that range).</returns>
    ValueTask<IReadOnlyList<SessionEvent<T>>> GetEventsAsync<T>(string sessionId, long fromSequence, int maxCount = 100, CancellationToken cancellationToken = default);
}
