using System.Globalization;
using RedisStores.Redis;
using StackExchange.Redis;

namespace RedisStores.Workers;

// The worker registry on Redis: a hash per worker with its heartbeat's TTL, and an index by expiry, all tagged
// {workers} so each operation is one script; what a worker holds is read from the queues it serves.
public sealed partial class RedisWorkerStore
{
    /// <inheritdoc />
    public async ValueTask HeartbeatAsync(string workerId, WorkerHeartbeat? heartbeat = null, CancellationToken cancellationToken = default)
    {
        var (queues, metadata) = WorkerInputs.PrepareHeartbeat(workerId, heartbeat);
        var args = new RedisValue[4 + (metadata.Length * 2)];
        args[0] = _keys.WorkerRoot;
        args[1] = workerId;
        args[2] = (long)_inputs.Options.HeartbeatTtl.TotalMilliseconds;
        args[3] = string.Join(',', queues);
        for (var i = 0; i < metadata.Length; i++)
        {
            args[4 + (2 * i)] = metadata[i].Key;
            args[5 + (2 * i)] = metadata[i].Value;
        }

        var reply = await EvaluateAsync(RegistryScripts.Heartbeat, [_keys.WorkerIndex], args, cancellationToken).ConfigureAwait(false);
        if ((long)reply == QueueScripts.Foreign)
        {
            throw new StoreDataException($"The registration key of worker '{workerId}' holds data this store did not write. Something else writes under the store's key prefix; delete that key or give the store its own RedisStores:KeyPrefix.");
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<WorkerRecord>> ListWorkersAsync(CancellationToken cancellationToken = default)
    {
        var hashes = (RedisResult[])(await EvaluateAsync(RegistryScripts.List, [_keys.WorkerIndex], [_keys.WorkerRoot], cancellationToken).ConfigureAwait(false))!;
        var workers = new List<(string Id, string[] Queues, Dictionary<string, string> Metadata, long Registered, long Last, long Expires)>(hashes.Length);
        foreach (var hash in hashes)
        {
            // A registration this store did not write is left out of the listing, not fatal to it.
            if (TryParseWorker((RedisResult[])hash!) is { } worker)
            {
                workers.Add(worker);
            }
        }

        // What each worker holds, from the queues they serve: one script per queue, pipelined.
        var queues = workers.SelectMany(w => w.Queues).Distinct(StringComparer.Ordinal).ToArray();
        var holders = await ReadHoldersAsync(queues, cancellationToken).ConfigureAwait(false);
        var list = new List<WorkerRecord>(workers.Count);
        foreach (var w in workers.OrderBy(w => w.Id, StringComparer.Ordinal))
        {
            var leases = new List<HeldJob>();
            foreach (var queue in w.Queues)
            {
                var held = holders[Array.IndexOf(queues, queue)];
                for (var i = 0; i + 3 < held.Length; i += 4)
                {
                    if ((string?)held[i + 1] == w.Id
                        && long.TryParse((string?)held[i + 2], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt)
                        && long.TryParse((string?)held[i + 3], NumberStyles.None, CultureInfo.InvariantCulture, out var until))
                    {
                        leases.Add(new HeldJob(queue, (string)held[i]!, (int)attempt, DateTimeOffset.FromUnixTimeMilliseconds(until)));
                    }
                }
            }

            list.Add(new WorkerRecord
            {
                WorkerId = w.Id,
                Queues = w.Queues,
                Metadata = w.Metadata,
                RegisteredAt = DateTimeOffset.FromUnixTimeMilliseconds(w.Registered),
                LastHeartbeatAt = DateTimeOffset.FromUnixTimeMilliseconds(w.Last),
                ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(w.Expires),
                Leases = leases,
            });
        }

        return list;
    }

    /// <inheritdoc />
    public async ValueTask<bool> RemoveWorkerAsync(string workerId, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateWorker(workerId);
        return (long)await EvaluateAsync(RegistryScripts.Remove, [_keys.WorkerIndex], [_keys.WorkerRoot, workerId], cancellationToken).ConfigureAwait(false) == 1;
    }

    private ValueTask<RedisValue[][]> ReadHoldersAsync(string[] queues, CancellationToken cancellationToken)
        => queues.Length == 0
            ? ValueTask.FromResult(Array.Empty<RedisValue[]>())
            : RedisCall.RunAsync(
                _connection,
                (Keys: _keys, Queues: queues),
                static async (db, s) =>
                {
                    var reads = new Task<RedisValue[]>[s.Queues.Length];
                    for (var i = 0; i < reads.Length; i++)
                    {
                        reads[i] = ReadHoldersAsync(db, s.Keys.Queue(s.Queues[i]));
                    }

                    return await Task.WhenAll(reads).ConfigureAwait(false);
                },
                StoreName,
                cancellationToken);

    // A queue holding data this store did not write shows no leases, rather than failing the whole listing.
    private static async Task<RedisValue[]> ReadHoldersAsync(IDatabase db, QueueKeys keys)
    {
        try
        {
            return (RedisValue[])(await db.ScriptEvaluateAsync(QueueScripts.Holders, keys.Keys, [keys.Root, MemoryQueue.LeaseRanOut]).ConfigureAwait(false))!;
        }
        catch (RedisServerException ex) when (ex.Message.Contains("WRONGTYPE", StringComparison.Ordinal) || ex.Message.Contains("STOREDATA", StringComparison.Ordinal) || ex.Message.StartsWith("ERR user_script:", StringComparison.Ordinal))
        {
            return [];
        }
    }

    private static (string Id, string[] Queues, Dictionary<string, string> Metadata, long Registered, long Last, long Expires)? TryParseWorker(RedisResult[] flat)
    {
        string? id = null, queues = null, version = null;
        long registered = -1, last = -1, expires = -1;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            var name = (string)flat[i]!;
            var value = (string?)flat[i + 1] ?? string.Empty;
            switch (name)
            {
                case "v": version = value; break;
                case "id": id = value; break;
                case "q": queues = value; break;
                case "r": registered = ParseMs(value); break;
                case "h": last = ParseMs(value); break;
                case "e": expires = ParseMs(value); break;
                default:
                    if (name.StartsWith("m:", StringComparison.Ordinal))
                    {
                        metadata[name[2..]] = value;
                    }

                    break;
            }
        }

        return version == "1" && id is not null && queues is not null && registered >= 0 && last >= 0 && expires >= 0
            ? (id, queues.Length == 0 ? [] : queues.Split(','), metadata, registered, last, expires)
            : null;
    }

    private static long ParseMs(string value)
        => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= MaxUnixMs ? ms : -1;

    /// <summary>
    /// The registry's scripts. KEYS[1] is the index of registrations by expiry; ARGV[1] the root of registration
    /// hashes (<c>root &lt;workerId&gt;</c>), in the same slot. Registration fields: v schema ("1"), id, q queues
    /// (comma-separated), r registered ms, h last heartbeat ms, e expiry ms, <c>m:&lt;name&gt;</c> metadata.
    /// </summary>
    private static class RegistryScripts
    {
        private const string Now = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

            """;

        // ARGV: root, id, ttl ms, queues, then metadata name, value pairs. Reply: 1, or -2 for a foreign key.
        internal const string Heartbeat = Now + """
            local k = ARGV[1] .. ARGV[2]
            local v = redis.call('HGET', k, 'v')
            if (v and v ~= '1') or (not v and redis.call('EXISTS', k) == 1) then return -2 end
            local r = redis.call('HGET', k, 'r') or string.format('%d', now)
            local e = string.format('%d', now + tonumber(ARGV[3]))
            redis.call('DEL', k)
            redis.call('HSET', k, 'v', '1', 'id', ARGV[2], 'q', ARGV[4], 'r', r, 'h', string.format('%d', now), 'e', e)
            for i = 5, #ARGV, 2 do redis.call('HSET', k, 'm:' .. ARGV[i], ARGV[i + 1]) end
            redis.call('PEXPIREAT', k, e)
            redis.call('ZADD', KEYS[1], e, ARGV[2])
            return 1
            """;

        // ARGV: root. Prunes registrations past their expiry. Reply: { HGETALL, ... } of the live ones.
        internal const string List = Now + """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%d', now))
            local out = {}
            for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
              -- A registration of another type is not ours: skipped and unindexed, the key left alone.
              local h = redis.pcall('HGETALL', ARGV[1] .. id)
              if h['err'] == nil and #h > 0 then out[#out + 1] = h else redis.call('ZREM', KEYS[1], id) end
            end
            return out
            """;

        // ARGV: root, id. Reply: 1 removed, 0 not registered.
        internal const string Remove = """
            redis.call('ZREM', KEYS[1], ARGV[2])
            return redis.call('DEL', ARGV[1] .. ARGV[2])
            """;
    }
}
