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
    private IConnectionMultiplexer? _multiplexer;
    private bool? _cluster;

    internal RedisCacheBackend(RedisConnection connection, RedisStoresOptions options, MemoryTier? memory, CacheCounters counters, Microsoft.Extensions.Logging.ILogger logger)
    {
        _connection = connection;
        _keys = new CacheKeys(options.KeyPrefix);
        _timeout = options.Cache.RedisTimeout;
        _memory = memory;
        _counters = counters;
        _logger = logger;
    }

    internal string Description => _connection.Description;

    /// <summary>The stored value under a key, or null. A namespaced entry written under an older version reads as null.</summary>
    internal async ValueTask<RedisValue> GetAsync(string? ns, string key, CancellationToken cancellationToken)
    {
        if (ns is null)
        {
            return await RunAsync(_keys.Entry(null, key), static (db, k) => db.StringGetAsync(k), cancellationToken).ConfigureAwait(false);
        }

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
        var multiplexer = await MultiplexerAsync(cancellationToken).ConfigureAwait(false);
        if (!IsCluster(multiplexer))
        {
            return await RunAsync(entries, static (db, k) => db.StringGetAsync(k), cancellationToken).ConfigureAwait(false);
        }

        var groups = Enumerable.Range(0, entries.Length).GroupBy(i => multiplexer.HashSlot(entries[i])).Select(g => g.ToArray()).ToArray();
        return await RunAsync((entries, groups), static (db, s) => ReadSlotsAsync(db, s.entries, s.groups), cancellationToken).ConfigureAwait(false);
    }

    // One MGET per hash slot, sent back to back without waiting: the connection pipelines them, one round trip per node.
    private static async Task<RedisValue[]> ReadSlotsAsync(IDatabase db, RedisKey[] entries, int[][] groups)
    {
        var reads = Array.ConvertAll(groups, g => db.StringGetAsync(Array.ConvertAll(g, i => entries[i])));
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

    /// <summary>Writes entries with one TTL and tells the other instances, in one round trip.</summary>
    internal ValueTask SetAsync(string? ns, string[] keys, byte[][] values, long ttlMs, CancellationToken cancellationToken)
    {
        var message = InvalidationMessage.ForKeys(_instanceId, ns, keys);
        if (ns is null)
        {
            return RunPipelinedAsync((this, keys, values, ttlMs), static (db, s) =>
            {
                var expiry = TimeSpan.FromMilliseconds(s.ttlMs);
                var writes = new Task[s.keys.Length];
                for (var i = 0; i < s.keys.Length; i++)
                {
                    writes[i] = db.StringSetAsync(s.Item1._keys.Entry(null, s.keys[i]), s.values[i], expiry);
                }

                return writes;
            }, message, cancellationToken);
        }

        var redisKeys = new RedisKey[keys.Length + 1];
        var args = new RedisValue[keys.Length + 1];
        redisKeys[0] = _keys.Version(ns);
        args[0] = ttlMs;
        for (var i = 0; i < keys.Length; i++)
        {
            redisKeys[i + 1] = _keys.Entry(ns, keys[i]);
            args[i + 1] = values[i];
        }

        return RunPipelinedAsync((redisKeys, args), static (db, s) => [db.ScriptEvaluateAsync(Scripts.SetInNamespace, s.redisKeys, s.args)], message, cancellationToken);
    }

    internal ValueTask RemoveAsync(string? ns, string key, CancellationToken cancellationToken)
        => RunPipelinedAsync(_keys.Entry(ns, key), static (db, k) => [db.KeyDeleteAsync(k)], InvalidationMessage.ForKeys(_instanceId, ns, [key]), cancellationToken);

    internal ValueTask InvalidateNamespaceAsync(string ns, CancellationToken cancellationToken)
        => RunPipelinedAsync(
            new RedisKey[] { _keys.Version(ns) },
            static (db, k) => [db.ScriptEvaluateAsync(Scripts.InvalidateNamespace, k)],
            InvalidationMessage.ForNamespace(_instanceId, ns),
            cancellationToken);

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

    private async ValueTask<T> RunAsync<TState, T>(TState state, Func<IDatabase, TState, Task<T>> command, CancellationToken cancellationToken)
    {
        var multiplexer = await MultiplexerAsync(cancellationToken).ConfigureAwait(false);
        if (!multiplexer.IsConnected)
        {
            // Commands would queue until StackExchange.Redis gives up on them; a cache answers without Redis instead.
            throw new StoreUnavailableException($"The {StoreName} is not connected to Redis at {_connection.Description}; the connection retries on its own.");
        }

        EnsureListening(multiplexer);
        return await RedisCall.RunAsync(_connection, state, command, StoreName, cancellationToken, _timeout).ConfigureAwait(false);
    }

    // Writes and their invalidation message are sent back to back without waiting, so the connection pipelines them
    // into one round trip; the caller learns whether all of them succeeded.
    private ValueTask RunPipelinedAsync<TState>(TState state, Func<IDatabase, TState, Task[]> writes, RedisValue message, CancellationToken cancellationToken)
        => new(RunAsync((state, writes, message, _keys.Channel), static async (db, s) =>
        {
            var sent = s.writes(db, s.state);
            var published = db.PublishAsync(s.Channel, s.message);
            await Task.WhenAll(sent).ConfigureAwait(false);
            await published.ConfigureAwait(false);
            return true;
        }, cancellationToken).AsTask());
}
