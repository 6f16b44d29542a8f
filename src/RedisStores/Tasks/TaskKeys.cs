using RedisStores.Redis;
using StackExchange.Redis;

namespace RedisStores.Tasks;

/// <summary>
/// Every Redis key of the task store, built in this one place (see docs/data-model.md). All share the hash tag
/// <c>{tasks}</c>. Index keys come first, in the order the scripts expect them in <c>KEYS</c>.
/// </summary>
internal sealed class TaskKeys
{
    /// <summary>KEYS position (1-based in Lua) of the created-time index, the expiry index and the first status index.</summary>
    internal const int AllIndex = 1;
    internal const int ExpiryIndex = 2;
    internal const int FirstStatusIndex = 3;

    private readonly RedisKey[] _indexes;

    internal TaskKeys(string keyPrefix)
    {
        var root = RedisKeyspace.StoreRoot(keyPrefix, "tasks");
        TaskKeyPrefix = root + "t:";
        var indexes = new List<RedisKey> { root + "idx:all", root + "idx:expiry" };
        for (var i = 0; i < TaskLifecycle.StatusCount; i++)
        {
            indexes.Add(root + "idx:status:" + TaskLifecycle.ToWire((TaskState)i));
        }

        _indexes = [.. indexes];
    }

    /// <summary>The prefix of task hashes; a task's key is this plus its id.</summary>
    internal string TaskKeyPrefix { get; }

    internal RedisKey Task(string id) => TaskKeyPrefix + id;

    /// <summary>The index keys alone, for listing and counting.</summary>
    internal RedisKey[] Indexes => _indexes;

    /// <summary>The index keys followed by one task's key, for single-task writes.</summary>
    internal RedisKey[] IndexesAndTask(string id)
    {
        var keys = new RedisKey[_indexes.Length + 1];
        _indexes.CopyTo(keys, 0);
        keys[^1] = Task(id);
        return keys;
    }
}
