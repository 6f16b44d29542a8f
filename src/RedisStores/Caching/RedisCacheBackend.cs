using RedisStores.Redis;
using StackExchange.Redis;

namespace RedisStores.Caching;

/// <summary>
/// The Redis side of the cache: plain entries as strings read and written by single commands, namespaced entries
/// guarded by their namespace's version, and every write followed, in the same round trip, by an invalidation message
/// for the other instances' memory caches. Every call is bounded by <see cref="CacheStoreOptions.RedisTimeout"/>, and
/// fails at once while the connection is down.
/// </summary>
internal sealed partial class RedisCacheBackend
{
    internal const string StoreName = "cache store";

    private readonly RedisConnection _connection;
    private readonly CacheKeys _keys;
    private readonly TimeSpan _timeout;
    private readonly long _timeoutMs;
    private readonly bool _plainReadsTracked;
    private IConnectionMultiplexer? _multiplexer;
    private IDatabase? _database;
    private bool? _cluster;

    internal RedisCacheBackend(RedisConnection connection, RedisStoresOptions options, MemoryTier? memory, CacheCounters counters, Microsoft.Extensions.Logging.ILogger logger)
    {
        _connection = connection;
        _keys = new CacheKeys(options.KeyPrefix);
        _timeout = options.Cache.RedisTimeout;
        _timeoutMs = (long)Math.Ceiling(_timeout.TotalMilliseconds);
        _plainReadsTracked = _timeoutMs >= MinTrackedTimeoutMs;
        _memory = memory;
        _counters = counters;
        _logger = logger;
        _instanceIdBytes = System.Text.Encoding.ASCII.GetBytes(_instanceId + "\n");
    }

    /// <summary>
    /// The shortest <see cref="CacheStoreOptions.RedisTimeout"/> for which plain reads go through <see cref="RedisRead{T}"/>,
    /// whose deadlines are checked every <see cref="ReadDeadlines.PeriodMs"/> ms (at most 10% late from here on); a
    /// shorter one keeps a timer of its own per read.
    /// </summary>
    internal const long MinTrackedTimeoutMs = 100;

    internal string Description => _connection.Description;

    /// <summary>
    /// Sends the <c>GET</c> of a plain entry and returns its reply; <see langword="null"/>
    /// when it is not sent: before the first connection, while the connection is down (the general path reports it),
    /// or when the store's timeout is too short for <see cref="ReadDeadlines"/>.
    /// </summary>
    internal Task<RedisValue>? TryStartGet(string key)
    {
        if (!_plainReadsTracked || _database is not { } database || _multiplexer is not { IsConnected: true } multiplexer)
        {
            return null;
        }

        EnsureListening(multiplexer);
        try
        {
            return database.StringGetAsync(_keys.Entry(null, key));
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            return null; // not sent: the general path sends it again and reports what fails
        }
    }

    /// <summary>When a plain read sent now must be answered, on <see cref="Environment.TickCount64"/>.</summary>
    internal long Deadline() => Environment.TickCount64 + _timeoutMs;

    /// <summary>The library's exception for a client failure, as every other call of the store reports it.</summary>
    internal Exception? Translate(Exception ex) => RedisCall.Translate(ex, _connection, StoreName, _timeout);

    /// <summary>What a read that Redis did not answer within the timeout reports.</summary>
    internal StoreUnavailableException TimedOut()
        => (StoreUnavailableException)Translate(new TimeoutException($"The operation has timed out after {_timeoutMs} ms."))!;

    /// <summary>The stored value under a key, or null. A namespaced entry written under an older version reads as null.</summary>
    internal ValueTask<RedisValue> GetAsync(string? ns, string key, CancellationToken cancellationToken)
        => ns is null
            ? RunAsync(_keys.Entry(null, key), static (db, k) => db.StringGetAsync(k), cancellationToken) // the hot path: nothing between the caller and GET
            : GetInNamespaceAsync(ns, key, cancellationToken);

    private async ValueTask<RedisValue> GetInNamespaceAsync(string ns, string key, CancellationToken cancellationToken)
    {
        RedisKey[] keys = [_keys.Version(ns), _keys.Entry(ns, key)];
        var values = await RunAsync(keys, static (db, k) => db.StringGetAsync(k), cancellationToken).ConfigureAwait(false);
        return InVersion(values[0], values[1]);
    }

    /// <summary>The stored values of many keys, in order: one MGET, or on a cluster one MGET per hash slot sent together.</summary>
    internal async ValueTask<RedisValue[]> GetManyAsync(string? ns, string[] keys, CancellationToken cancellationToken)
    {
        if (ns is not null)
        {
            var redisKeys = new RedisKey[keys.Length + 1];
            redisKeys[0] = _keys.Version(ns);
            for (var i = 0; i < keys.Length; i++)
            {
                redisKeys[i + 1] = _keys.Entry(ns, keys[i]);
            }

            var values = await RunAsync(redisKeys, static (db, k) => db.StringGetAsync(k), cancellationToken).ConfigureAwait(false);
            var result = new RedisValue[keys.Length];
            for (var i = 0; i < keys.Length; i++)
            {
                result[i] = InVersion(values[0], values[i + 1]);
            }

            return result;
        }

        var entries = Array.ConvertAll(keys, k => _keys.Entry(null, k));
        var groups = await SlotGroupsAsync(entries, cancellationToken).ConfigureAwait(false);
        if (groups.Length == 1)
        {
            return await RunAsync(entries, static (db, k) => db.StringGetAsync(k), cancellationToken).ConfigureAwait(false);
        }

        return await RunAsync((entries, groups), static (db, s) => ReadSlotsAsync(db, s.entries, s.groups), cancellationToken).ConfigureAwait(false);
    }

    // One MGET per hash slot, sent back to back without waiting: the connection pipelines them, one round trip per node.
    private static async Task<RedisValue[]> ReadSlotsAsync(IDatabase db, RedisKey[] entries, int[][] groups)
    {
        var reads = Array.ConvertAll(groups, g => db.StringGetAsync(Array.ConvertAll(g, i => entries[i])));
        await Task.WhenAll(reads).ConfigureAwait(false); // every read observed, whichever fails
        var merged = new RedisValue[entries.Length];
        for (var g = 0; g < groups.Length; g++)
        {
            var values = await reads[g].ConfigureAwait(false);
            for (var j = 0; j < values.Length; j++)
            {
                merged[groups[g][j]] = values[j];
            }
        }

        return merged;
    }

    /// <summary>
    /// Writes entries with one TTL and tells the other instances, in one round trip. The message is published by the
    /// same script that writes, so no instance can receive it before the write is applied: a PUBLISH sent beside the
    /// write could reach its subscribers first (another socket, or on a cluster another node).
    /// </summary>
    internal async ValueTask SetAsync(string? ns, string[] keys, byte[][] values, long ttlMs, CancellationToken cancellationToken)
    {
        if (ns is not null)
        {
            // One slot: the version key and every entry share the namespace's hash tag.
            var redisKeys = new RedisKey[keys.Length + 1];
            var args = new RedisValue[keys.Length + 3];
            redisKeys[0] = _keys.Version(ns);
            args[0] = ttlMs;
            args[1] = Channel;
            args[2] = InvalidationMessage.ForKeys(_instanceId, ns, keys);
            for (var i = 0; i < keys.Length; i++)
            {
                redisKeys[i + 1] = _keys.Entry(ns, keys[i]);
                args[i + 3] = values[i];
            }

            await EvaluateAsync(Scripts.SetInNamespace, redisKeys, args, cancellationToken).ConfigureAwait(false);
            return;
        }

        var entries = Array.ConvertAll(keys, k => _keys.Entry(null, k));
        var groups = await SlotGroupsAsync(entries, cancellationToken).ConfigureAwait(false);
        await RunAsync((this, keys, values, ttlMs, entries, groups, channel: Channel), static (db, s) => s.Item1.SetSlotsAsync(db, s.keys, s.values, s.ttlMs, s.entries, s.groups, s.channel), cancellationToken).ConfigureAwait(false);
    }

    // One script per hash slot, sent back to back without waiting: one round trip per node.
    private async Task<bool> SetSlotsAsync(IDatabase db, string[] keys, byte[][] values, long ttlMs, RedisKey[] entries, int[][] groups, string channel)
    {
        var writes = Array.ConvertAll(groups, group =>
        {
            var args = new RedisValue[group.Length + 3];
            args[0] = ttlMs;
            args[1] = channel;
            args[2] = InvalidationMessage.ForKeys(_instanceId, null, Array.ConvertAll(group, i => keys[i]));
            for (var j = 0; j < group.Length; j++)
            {
                args[j + 3] = values[group[j]];
            }

            return db.ScriptEvaluateAsync(Scripts.Set, Array.ConvertAll(group, i => entries[i]), args);
        });
        await Task.WhenAll(writes).ConfigureAwait(false);
        return true;
    }

    internal ValueTask RemoveAsync(string? ns, string key, CancellationToken cancellationToken)
        => EvaluateAsync(Scripts.Remove, [_keys.Entry(ns, key)], [Channel, InvalidationMessage.ForKeys(_instanceId, ns, [key])], cancellationToken);

    internal ValueTask InvalidateNamespaceAsync(string ns, CancellationToken cancellationToken)
        => EvaluateAsync(Scripts.InvalidateNamespace, [_keys.Version(ns)], [Channel, InvalidationMessage.ForNamespace(_instanceId, ns)], cancellationToken);

    // Scripts publish the invalidation themselves, to the name the connection's subscribers (channel prefix and all) hear.
    private string Channel => _connection.PublishName(_keys.ChannelName);

    private async ValueTask EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args, CancellationToken cancellationToken)
        => await RunAsync((script, keys, args), static (db, s) => db.ScriptEvaluateAsync(s.script, s.keys, s.args), cancellationToken).ConfigureAwait(false);

    /// <summary>The keys' positions grouped by hash slot on a cluster; one group of all of them on a standalone server.</summary>
    private async ValueTask<int[][]> SlotGroupsAsync(RedisKey[] entries, CancellationToken cancellationToken)
    {
        var multiplexer = await MultiplexerAsync(cancellationToken).ConfigureAwait(false);
        return IsCluster(multiplexer)
            ? Enumerable.Range(0, entries.Length).GroupBy(i => multiplexer.HashSlot(entries[i])).Select(g => g.ToArray()).ToArray()
            : [Enumerable.Range(0, entries.Length).ToArray()];
    }

    // A namespaced value is "<version>|<envelope>"; it counts only under the namespace's current version.
    private static RedisValue InVersion(RedisValue version, RedisValue stored)
    {
        if (version.IsNull || stored.IsNull)
        {
            return RedisValue.Null;
        }

        ReadOnlyMemory<byte> bytes = stored;
        ReadOnlyMemory<byte> expected = version;
        var span = bytes.Span;
        if (span.Length > expected.Length && span[expected.Length] == (byte)'|' && span[..expected.Length].SequenceEqual(expected.Span))
        {
            return bytes[(expected.Length + 1)..];
        }

        // An older version's entry, or data this cache did not write: both unreadable here. Foreign data shows as such
        // when it has no version separator at all.
        return span.IndexOf((byte)'|') < 0 ? stored : RedisValue.Null;
    }

    private bool IsCluster(IConnectionMultiplexer multiplexer)
    {
        if (_cluster is { } known)
        {
            return known;
        }

        var servers = multiplexer.GetServers();
        var cluster = servers.Any(s => s.ServerType == ServerType.Cluster);
        if (servers.Any(s => s.IsConnected))
        {
            _cluster = cluster;
        }

        return cluster;
    }

    private async ValueTask<IConnectionMultiplexer> MultiplexerAsync(CancellationToken cancellationToken)
    {
        if (_multiplexer is { } known)
        {
            return known;
        }

        try
        {
            var multiplexer = await _connection.GetMultiplexerAsync(cancellationToken).AsTask().WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
            _database = multiplexer.GetDatabase();
            _multiplexer = multiplexer;
            return multiplexer;
        }
        catch (TimeoutException ex)
        {
            throw new StoreUnavailableException($"The {StoreName} could not connect to Redis at {_connection.Description} within {_timeout.TotalMilliseconds:0} ms; it keeps trying in the background.", ex);
        }
        catch (RedisConnectionException ex)
        {
            throw new StoreUnavailableException($"The {StoreName} could not connect to Redis at {_connection.Description} ({ex.FailureType}); it keeps trying in the background.", ex);
        }
    }

    private ValueTask<T> RunAsync<TState, T>(TState state, Func<IDatabase, TState, Task<T>> command, CancellationToken cancellationToken)
    {
        if (_multiplexer is not { } multiplexer)
        {
            return ConnectAndRunAsync(state, command, cancellationToken);
        }

        if (!multiplexer.IsConnected)
        {
            // Commands would queue until StackExchange.Redis gives up on them; a cache answers without Redis instead.
            return ValueTask.FromException<T>(new StoreUnavailableException($"The {StoreName} is not connected to Redis at {_connection.Description}; the connection retries on its own."));
        }

        EnsureListening(multiplexer);
        return RedisCall.RunAsync(_connection, state, command, StoreName, cancellationToken, _timeout);
    }

    private async ValueTask<T> ConnectAndRunAsync<TState, T>(TState state, Func<IDatabase, TState, Task<T>> command, CancellationToken cancellationToken)
    {
        await MultiplexerAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(state, command, cancellationToken).ConfigureAwait(false);
    }
}
