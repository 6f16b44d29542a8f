using StackExchange.Redis;

namespace RedisStores.Workers;

/// <summary>
/// Every Redis key of the worker store, built in this one place (see docs/design/workers.md). Each execution's keys
/// share the hash tag <c>{wx:&lt;id&gt;}</c>, so one script can touch them on a cluster and executions spread over
/// the slots; the active index has the tag <c>{workers}</c>, a slot of its own, so no script touches it together
/// with an execution.
/// </summary>
internal sealed class WorkerKeys(string keyPrefix)
{
    /// <summary>The sorted set of active executions by start time (ms), pruned lazily when listed.</summary>
    internal RedisKey ActiveIndex { get; } = $"{keyPrefix}{{workers}}:idx:active";

    /// <summary>The execution hash, then its steps hash: the KEYS of every single-execution script.</summary>
    internal RedisKey[] Execution(string id)
    {
        var root = $"{keyPrefix}{{wx:{id}}}:";
        return [root + "x", root + "steps"];
    }
}
