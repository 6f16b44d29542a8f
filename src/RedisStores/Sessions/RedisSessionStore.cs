using RedisStores.Locking;
using RedisStores.Redis;
using StackExchange.Redis;

namespace RedisStores.Sessions;

/// <summary>
/// The Redis <see cref="ISessionStore"/>: a hash per session (one field per top-level JSON property), a capped list
/// of events, and two sorted-set indexes for counting and listing, with one Lua script per operation. Works on a
/// standalone server and on Redis Cluster. See <c>docs/data-model.md</c> for every key.
/// </summary>
public sealed partial class RedisSessionStore : ISessionStore
{
    private const string StoreName = "session store";
    private const int PruneBatch = 1000;

    private readonly string _eventsChannel;
    private readonly RedisConnection _connection;
    private readonly SessionKeys _keys;
    private readonly SessionInputs _inputs;
    private readonly IDistributedLockService _locks;
    private readonly TimeProvider _time;

    /// <summary>Creates a session store on a connection the caller owns (and disposes).</summary>
    /// <param name="connection">The Redis connection.</param>
    /// <param name="options">The settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="timeProvider">
    /// The clock of created and updated times and event timestamps, and, when <paramref name="locks"/> is <see langword="null"/>,
    /// of the session locks' lease renewals; <see langword="null"/> uses the system clock.
    /// </param>
    /// <param name="locks">The lock service of per-session locks; <see langword="null"/> makes a <see cref="RedisDistributedLockService"/> on the same connection.</param>
    public RedisSessionStore(IConnectionMultiplexer connection, RedisStoresOptions? options = null, TimeProvider? timeProvider = null, IDistributedLockService? locks = null)
        : this(new RedisConnection(connection ?? throw new ArgumentNullException(nameof(connection))), options, timeProvider, locks)
    {
    }

    internal RedisSessionStore(RedisConnection connection, RedisStoresOptions? options, TimeProvider? timeProvider, IDistributedLockService? locks)
    {
        _inputs = new SessionInputs(options);
        options = _inputs.Options;
        _connection = connection;
        _keys = new SessionKeys(options.KeyPrefix);
        _eventsChannel = Messaging.StoreTopics.Channel(options.KeyPrefix, Messaging.StoreTopics.SessionEvents);
        _time = timeProvider ?? TimeProvider.System;
        _locks = locks ?? new RedisDistributedLockService(connection, options, _time, null);
    }

    /// <inheritdoc />
    public async ValueTask<SessionEntry<T>?> GetAsync<T>(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        var reply = await RunAsync(Scripts.Get, sessionId, [sessionId], cancellationToken).ConfigureAwait(false);
        if (IsMissing(reply, sessionId))
        {
            return null;
        }

        var hash = (RedisResult[])reply[1]!;
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        var fields = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        for (var i = 0; i + 1 < hash.Length; i += 2)
        {
            var name = (string)hash[i]!;
            if (name.StartsWith("d:", StringComparison.Ordinal))
            {
                fields.Add(new(name[2..], (byte[])hash[i + 1]!));
            }
            else
            {
                meta[name] = (string)hash[i + 1]!;
            }
        }

        return new SessionEntry<T>
        {
            Id = sessionId,
            Data = _inputs.Merge<T>(sessionId, fields),
            Version = Number(meta, "m:v", sessionId),
            CreatedAt = Time(Number(meta, "m:c", sessionId), sessionId),
            UpdatedAt = Time(Number(meta, "m:u", sessionId), sessionId),
            Ttl = Duration(Number(meta, "m:ttl", sessionId), sessionId),
            Sliding = meta.GetValueOrDefault("m:sl") == "1",
        };
    }

    /// <inheritdoc />
    public async ValueTask<long> SetAsync<T>(string sessionId, T data, SessionWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var write = _inputs.PrepareSet(sessionId, data, options);
        var args = new List<RedisValue>
        {
            sessionId, Expected(write.ExpectedVersion), Ms(write.Ttl), write.Sliding ? "1" : "0", NowMs(),
        };
        foreach (var (field, json) in write.Fields)
        {
            args.Add(field);
            args.Add(json);
        }

        var reply = await RunAsync(Scripts.Set, sessionId, [.. args], cancellationToken).ConfigureAwait(false);
        return Version(reply, sessionId, write.ExpectedVersion);
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        var reply = (long)await RunAsync(Scripts.Delete, sessionId, [sessionId], cancellationToken).ConfigureAwait(false);
        return reply == Scripts.Foreign ? throw ForeignData(sessionId) : reply > 0;
    }

    /// <inheritdoc />
    public async ValueTask<bool> ExtendAsync(string sessionId, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        RedisValue requested = ttl is { } t ? Ms(_inputs.Ttl(t, nameof(ttl))) : RedisValue.EmptyString;
        var reply = (long)await RunAsync(Scripts.Extend, sessionId, [sessionId, requested], cancellationToken).ConfigureAwait(false);
        return reply == Scripts.Foreign ? throw ForeignData(sessionId) : reply == 1;
    }

    /// <inheritdoc />
    public async ValueTask<TimeSpan?> GetTimeToLiveAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        var reply = (long)await RunAsync(Scripts.TimeToLive, sessionId, [sessionId], cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            Scripts.Foreign => throw ForeignData(sessionId),
            < 0 => null,
            _ => TimeSpan.FromMilliseconds(reply),
        };
    }

    /// <inheritdoc />
    public async ValueTask<SessionField<T>?> GetFieldAsync<T>(string sessionId, string field, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateField(sessionId, field);
        var reply = await RunAsync(Scripts.GetField, sessionId, [sessionId, field], cancellationToken).ConfigureAwait(false);
        if (IsMissing(reply, sessionId) || reply[2].IsNull)
        {
            return null;
        }

        return new SessionField<T>
        {
            Value = _inputs.Deserialize<T>(sessionId, (byte[])reply[2]!, "field"),
            Version = ParseLong((string?)reply[1], sessionId),
        };
    }

    /// <inheritdoc />
    public async ValueTask<long> SetFieldAsync<T>(string sessionId, string field, T value, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateField(sessionId, field);
        SessionInputs.ValidateExpectedVersion(expectedVersion);
        var json = _inputs.Serialize(sessionId, value, "field", nameof(value));
        var reply = await RunAsync(Scripts.SetField, sessionId, [sessionId, Expected(expectedVersion), field, json, NowMs()], cancellationToken).ConfigureAwait(false);
        return Version(reply, sessionId, expectedVersion);
    }

    /// <inheritdoc />
    public async ValueTask<long> RemoveFieldAsync(string sessionId, string field, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateField(sessionId, field);
        SessionInputs.ValidateExpectedVersion(expectedVersion);
        var reply = await RunAsync(Scripts.RemoveField, sessionId, [sessionId, Expected(expectedVersion), field, NowMs()], cancellationToken).ConfigureAwait(false);
        return Version(reply, sessionId, expectedVersion);
    }

    /// <inheritdoc />
    public async ValueTask<SessionPage> ListAsync(SessionQuery? query = null, CancellationToken cancellationToken = default)
    {
        var (pageSize, after) = SessionInputs.PrepareQuery(query);
        RedisValue[] args = [_keys.SessionKeyPrefix, after ?? string.Empty, pageSize, PruneBatch];
        var reply = (RedisResult[])(await RunIndexesAsync(Scripts.List, args, cancellationToken).ConfigureAwait(false))!;
        if (reply[0].Resp2Type == ResultType.Integer)
        {
            throw ForeignData((string?)reply[1] ?? "?");
        }

        var sessions = new List<SessionSummary>(reply.Length - 1);
        for (var i = 1; i < reply.Length; i++)
        {
            var row = (RedisResult[])reply[i]!;
            var id = (string)row[0]!;
            sessions.Add(new SessionSummary
            {
                Id = id,
                Version = ParseLong((string?)row[1], id),
                CreatedAt = Time(ParseLong((string?)row[2], id), id),
                UpdatedAt = Time(ParseLong((string?)row[3], id), id),
            });
        }

        var next = (string?)reply[0];
        return new SessionPage { Sessions = sessions, NextCursor = string.IsNullOrEmpty(next) ? null : SessionInputs.Cursor(next) };
    }

    /// <inheritdoc />
    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
        => (long)await RunIndexesAsync(Scripts.Count, [], cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<IDistributedLockHandle> AcquireLockAsync(string sessionId, TimeSpan? waitTimeout = null, LockOptions? options = null, CancellationToken cancellationToken = default)
        => SessionLocks.AcquireAsync(_locks, sessionId, waitTimeout, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IDistributedLockHandle?> TryAcquireLockAsync(string sessionId, TimeSpan waitTimeout = default, LockOptions? options = null, CancellationToken cancellationToken = default)
        => SessionLocks.TryAcquireAsync(_locks, sessionId, waitTimeout, options, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<long> AppendEventAsync<T>(string sessionId, T sessionEvent, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        var json = _inputs.Serialize(sessionId, sessionEvent, "event", nameof(sessionEvent));
        RedisValue[] args = [sessionId, NowMs(), json, _inputs.MaxEvents, _connection.PublishName(_eventsChannel), Guid.NewGuid().ToString("N")];
        var reply = await RunAsync(Scripts.AppendEvent, sessionId, args, cancellationToken).ConfigureAwait(false);
        return IsMissing(reply, sessionId) ? throw new EntityNotFoundException(SessionInputs.EntityKind, sessionId) : (long)reply[0];
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<SessionEvent<T>>> GetLastEventsAsync<T>(string sessionId, int count, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        SessionInputs.ValidateEventCount(count, nameof(count));
        var reply = await RunAsync(Scripts.LastEvents, sessionId, [sessionId, count], cancellationToken).ConfigureAwait(false);
        return IsMissing(reply, sessionId) ? [] : ParseEvents<T>(sessionId, (RedisResult[])reply[1]!);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<SessionEvent<T>>> GetEventsAsync<T>(string sessionId, long fromSequence, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        SessionInputs.ValidateId(sessionId);
        SessionInputs.ValidateEventCount(maxCount, nameof(maxCount));
        ArgumentOutOfRangeException.ThrowIfNegative(fromSequence);
        var reply = await RunAsync(Scripts.EventsFrom, sessionId, [sessionId, fromSequence, maxCount], cancellationToken).ConfigureAwait(false);
        return IsMissing(reply, sessionId) ? [] : ParseEvents<T>(sessionId, (RedisResult[])reply[1]!);
    }
}
