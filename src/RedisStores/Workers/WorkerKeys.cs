using System.Collections.Concurrent;
using StackExchange.Redis;

namespace RedisStores.Workers;

/// <summary>
/// Every Redis key of the worker store, built in this one place (see docs/data-model.md, "Worker store keys"). Each execution's keys
/// share the hash tag <c>{wx:&lt;id&gt;}</c>, so one script can touch them on a cluster and executions spread over
/// the slots; the active index has the tag <c>{workers}</c>, a slot of its own, so no script touches it together
/// with an execution.
/// </summary>
internal sealed class WorkerKeys(string keyPrefix)
{
    private const int MaxCachedQueues = 4096;

    private readonly ConcurrentDictionary<string, QueueKeys> _queues = new(StringComparer.Ordinal);

    /// <summary>The sorted set of registered workers by registration expiry (ms), pruned when listed.</summary>
    internal RedisKey WorkerIndex { get; } = $"{keyPrefix}{{workers}}:idx:workers";

    /// <summary>The root of a worker's registration hash; the worker id follows.</summary>
    internal string WorkerRoot { get; } = $"{keyPrefix}{{workers}}:w:";

    /// <summary>The sorted set of active executions by start time (ms), pruned lazily when listed.</summary>
    internal RedisKey ActiveIndex { get; } = $"{keyPrefix}{{workers}}:idx:active";

    /// <summary>The execution hash, then its steps hash: the KEYS of every single-execution script.</summary>
    internal RedisKey[] Execution(string id)
    {
        var root = $"{keyPrefix}{{wx:{id}}}:";
        return [root + "x", root + "steps"];
    }

    /// <summary>
    /// The keys of a queue, all tagged <c>{wq:&lt;queue&gt;}</c> so one script reaches them on a cluster: ready,
    /// scheduled, leased, dead and expiring sorted sets, the sequence counter, the waiters flag and the next-due marker. Job hashes
    /// (<c>j:&lt;id&gt;</c>) and dedup keys (<c>d:&lt;key&gt;</c>) hang under <see cref="QueueKeys.Root"/> in the same slot.
    /// </summary>
    internal QueueKeys Queue(string queue)
    {
        // Workers call this for every job: keep the keys of the queues in use, up to a bound, as queue names are callers' input.
        if (_queues.TryGetValue(queue, out var keys))
        {
            return keys;
        }

        keys = BuildQueue(queue);
        if (_queues.Count < MaxCachedQueues)
        {
            _queues.TryAdd(queue, keys);
        }

        return keys;
    }

    private QueueKeys BuildQueue(string queue)
    {
        var root = $"{keyPrefix}{{wq:{queue}}}:";
        return new QueueKeys(
            root,
            [root + "ready", root + "sched", root + "leased", root + "dead", root + "exp", root + "seq", root + "waiters", root + "due"],
            $"{keyPrefix}wq:{queue}:wake");
    }
}

/// <summary>
/// A queue's keys: the root job and dedup keys hang under, the KEYS of its scripts, and its wake-up channel's name
/// (before any channel prefix of the connection). Built once per queue and kept, so a worker's calls build no key.
/// </summary>
internal sealed record QueueKeys(string Root, RedisKey[] Keys, string WakeName)
{
    /// <summary>The wake-up channel, as the store subscribes to it.</summary>
    internal RedisChannel Wake { get; } = RedisChannel.Literal(WakeName);
}
