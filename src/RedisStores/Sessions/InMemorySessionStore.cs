using RedisStores.Internal;
using RedisStores.Locking;

namespace RedisStores.Sessions;

/// <summary>
/// The in-memory <see cref="ISessionStore"/>: for development, tests and single-instance hosts. It behaves like the
/// Redis session store (same rules, same ordering, same errors) but its state lives and dies with the process.
/// Expired sessions are removed as the store is used, and each event log holds at most
/// <see cref="SessionStoreOptions.MaxEvents"/> events, so memory does not grow with sessions that are gone.
/// </summary>
public sealed partial class InMemorySessionStore : ISessionStore
{
    private readonly Messaging.IMessageBus? _notifications;
    private readonly object _gate = new();
    private long _highestVersion;
    private readonly Dictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _ids = new(StringComparer.Ordinal);
    private readonly SortedSet<(long ExpiresMs, string Id)> _expiry = new(ExpiryOrder.Instance);
    private readonly SessionInputs _inputs;
    private readonly TimeProvider _time;
    private readonly IDistributedLockService _locks;

    /// <summary>Creates an empty store.</summary>
    /// <param name="options">The settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="timeProvider">The clock that drives creation times, event timestamps and expiry; <see langword="null"/> uses the system clock.</param>
    /// <param name="locks">The lock service of the per-session locks; <see langword="null"/> creates an <see cref="InMemoryDistributedLockService"/>.</param>
    public InMemorySessionStore(RedisStoresOptions? options = null, TimeProvider? timeProvider = null, IDistributedLockService? locks = null)
        : this(options, timeProvider, locks, notifications: null)
    {
    }

    /// <summary>A store that also announces appended events on <paramref name="notifications"/>.</summary>
    internal InMemorySessionStore(RedisStoresOptions? options, TimeProvider? timeProvider, IDistributedLockService? locks, Messaging.IMessageBus? notifications)
    {
        _notifications = notifications;
        _inputs = new SessionInputs(options);
        _time = timeProvider ?? TimeProvider.System;
        _locks = locks ?? new InMemoryDistributedLockService(options, timeProvider);
    }

    /// <summary>How many sessions the store holds, counting expired ones not yet removed. For tests and diagnostics.</summary>
    internal int HeldCount
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>How many event slots the store has allocated across all sessions it holds. For tests and diagnostics.</summary>
    internal long HeldEventCapacity
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Values.Sum(e => (long)e.Events.Capacity);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<SessionEntry<T>?> GetAsync<T>(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        KeyValuePair<string, ReadOnlyMemory<byte>>[] fields;
        Meta meta;
        lock (_gate)
        {
            var entry = Find(sessionId, NowMs(), renew: true);
            if (entry is null)
            {
                return ValueTask.FromResult<SessionEntry<T>?>(null);
            }

            // Stored arrays are never changed in place, so they can be read after the lock is released.
            fields = entry.Fields.Select(f => new KeyValuePair<string, ReadOnlyMemory<byte>>(f.Key, f.Value)).ToArray();
            meta = entry.Meta;
        }

        var data = _inputs.Merge<T>(sessionId, fields);
        return ValueTask.FromResult<SessionEntry<T>?>(new SessionEntry<T>
        {
            Id = sessionId,
            Data = data,
            Version = meta.Version,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(meta.CreatedMs),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(meta.UpdatedMs),
            Ttl = TimeSpan.FromMilliseconds(meta.TtlMs),
            Sliding = meta.Sliding,
        });
    }

    /// <inheritdoc />
    public ValueTask<long> SetAsync<T>(string sessionId, T data, SessionWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var write = _inputs.PrepareSet(sessionId, data, options);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = NowMs();
            var entry = Find(sessionId, now);
            var current = entry?.Version ?? 0;
            if (write.ExpectedVersion is { } expected && expected != current)
            {
                throw new VersionConflictException(sessionId, expected, current);
            }

            var fresh = entry is null;
            if (entry is null)
            {
                entry = new Entry(sessionId) { CreatedMs = now };
                _sessions.Add(sessionId, entry);
                _ids.Add(sessionId);
            }

            entry.Fields = new Dictionary<string, byte[]>(write.Fields, StringComparer.Ordinal);
            entry.Version = NextVersion(fresh ? 0 : current);
            entry.UpdatedMs = now;
            entry.TtlMs = (long)write.Ttl.TotalMilliseconds;
            entry.Sliding = write.Sliding;
            SetExpiry(entry, now + entry.TtlMs);
            return ValueTask.FromResult(entry.Version);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var entry = Find(sessionId, NowMs());
            if (entry is null)
            {
                return ValueTask.FromResult(false);
            }

            Remove(entry);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ExtendAsync(string sessionId, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        long? ttlMs = ttl is null ? null : (long)_inputs.Ttl(ttl, nameof(ttl)).TotalMilliseconds;
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = NowMs();
            var entry = Find(sessionId, now);
            if (entry is null)
            {
                return ValueTask.FromResult(false);
            }

            SetExpiry(entry, now + (ttlMs ?? entry.TtlMs));
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<TimeSpan?> GetTimeToLiveAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = NowMs();
            var entry = Find(sessionId, now);
            return ValueTask.FromResult<TimeSpan?>(entry is null ? null : TimeSpan.FromMilliseconds(entry.ExpiresMs - now));
        }
    }

    /// <inheritdoc />
    public ValueTask<SessionField<T>?> GetFieldAsync<T>(string sessionId, string field, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateField(sessionId, field);
        cancellationToken.ThrowIfCancellationRequested();
        byte[]? bytes;
        long version;
        lock (_gate)
        {
            var entry = Find(sessionId, NowMs(), renew: true);
            if (entry is null || !entry.Fields.TryGetValue(field, out bytes))
            {
                return ValueTask.FromResult<SessionField<T>?>(null);
            }

            version = entry.Version;
        }

        return ValueTask.FromResult<SessionField<T>?>(new SessionField<T> { Value = _inputs.Deserialize<T>(sessionId, bytes, "field"), Version = version });
    }

    /// <inheritdoc />
    public ValueTask<long> SetFieldAsync<T>(string sessionId, string field, T value, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateField(sessionId, field);
        SessionInputs.ValidateExpectedVersion(expectedVersion);
        var bytes = _inputs.Serialize(sessionId, value, "field", nameof(value));
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(WriteField(sessionId, expectedVersion, fields => { fields[field] = bytes; return true; }));
    }

    /// <inheritdoc />
    public ValueTask<long> RemoveFieldAsync(string sessionId, string field, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateField(sessionId, field);
        SessionInputs.ValidateExpectedVersion(expectedVersion);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(WriteField(sessionId, expectedVersion, fields => fields.Remove(field)));
    }

    /// <inheritdoc />
    public ValueTask<SessionPage> ListAsync(SessionQuery? query = null, CancellationToken cancellationToken = default)
    {
        var (pageSize, after) = SessionInputs.PrepareQuery(query);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            Prune(NowMs());
            IEnumerable<string> source = _ids;
            if (after is not null && _ids.Count > 0)
            {
                // Every id after the cursor's, whether or not the cursor's session still exists.
                source = string.CompareOrdinal(after, _ids.Max) >= 0
                    ? []
                    : _ids.GetViewBetween(after, _ids.Max!).SkipWhile(id => string.Equals(id, after, StringComparison.Ordinal));
            }

            var page = new List<SessionSummary>(Math.Min(pageSize, _ids.Count));
            var more = false;
            foreach (var id in source)
            {
                if (page.Count == pageSize)
                {
                    more = true;
                    break;
                }

                var meta = _sessions[id].Meta;
                page.Add(new SessionSummary
                {
                    Id = id,
                    Version = meta.Version,
                    CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(meta.CreatedMs),
                    UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(meta.UpdatedMs),
                });
            }

            return ValueTask.FromResult(new SessionPage { Sessions = page, NextCursor = more ? SessionInputs.Cursor(page[^1].Id) : null });
        }
    }

    /// <inheritdoc />
    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            Prune(NowMs());
            return ValueTask.FromResult((long)_sessions.Count);
        }
    }

    // A field write: refused as Redis would refuse it, and raising the version only when it changed something.
    private long WriteField(string sessionId, long? expectedVersion, Func<Dictionary<string, byte[]>, bool> change)
    {
        lock (_gate)
        {
            var now = NowMs();
            var entry = Find(sessionId, now);
            if (entry is null)
            {
                throw expectedVersion is > 0
                    ? new VersionConflictException(sessionId, expectedVersion.Value, 0)
                    : new EntityNotFoundException(SessionInputs.EntityKind, sessionId);
            }

            if (expectedVersion is { } expected && expected != entry.Version)
            {
                throw new VersionConflictException(sessionId, expected, entry.Version);
            }

            if (change(entry.Fields))
            {
                entry.Version = NextVersion(entry.Version);
                entry.UpdatedMs = now;
            }

            Renew(entry, now);
            return entry.Version;
        }
    }

    // Called under _gate. A session past its expiry is absent, exactly as Redis would have dropped its keys; a read
    // of a live sliding session starts its TTL again.
    private Entry? Find(string sessionId, long nowMs, bool renew = false)
    {
        Prune(nowMs);
        var entry = _sessions.GetValueOrDefault(sessionId);
        if (renew && entry is not null)
        {
            Renew(entry, nowMs);
        }

        return entry;
    }

    private void Renew(Entry entry, long nowMs)
    {
        if (entry.Sliding)
        {
            SetExpiry(entry, nowMs + entry.TtlMs);
        }
    }

    private void SetExpiry(Entry entry, long expiresMs)
    {
        _expiry.Remove((entry.ExpiresMs, entry.Id));
        entry.ExpiresMs = expiresMs;
        _expiry.Add((expiresMs, entry.Id));
    }

    // Called under _gate. Removes every expired session, earliest expiry first: O(log n) per removed session.
    // Live through its expiry millisecond and gone after it, as Redis treats a key's PEXPIREAT instant.
    private void Prune(long nowMs)
    {
        while (_expiry.Count > 0 && _expiry.Min.ExpiresMs < nowMs)
        {
            Remove(_sessions[_expiry.Min.Id]);
        }
    }

    private void Remove(Entry entry)
    {
        _sessions.Remove(entry.Id);
        _ids.Remove(entry.Id);
        _expiry.Remove((entry.ExpiresMs, entry.Id));
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    // A new session starts above every version this store has issued, so a writer holding a version of a deleted or
    // expired session can never match its successor (Redis starts new sessions at the server clock in µs).
    // Called under _gate.
    private long NextVersion(long current)
    {
        var next = current == 0 ? _highestVersion + 1 : current + 1;
        _highestVersion = Math.Max(_highestVersion, next);
        return next;
    }

    private readonly record struct Meta(long Version, long CreatedMs, long UpdatedMs, long TtlMs, bool Sliding);

    private sealed class Entry(string id)
    {
        public string Id { get; } = id;
        public Dictionary<string, byte[]> Fields { get; set; } = new(StringComparer.Ordinal);
        public long Version { get; set; }
        public long CreatedMs { get; init; }
        public long UpdatedMs { get; set; }
        public long TtlMs { get; set; }
        public bool Sliding { get; set; }
        public long ExpiresMs { get; set; }
        public InMemoryEventLog Events { get; } = new();
        public Meta Meta => new(Version, CreatedMs, UpdatedMs, TtlMs, Sliding);
    }
}
