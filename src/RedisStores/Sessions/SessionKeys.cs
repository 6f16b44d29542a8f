using RedisStores.Redis;
using StackExchange.Redis;

namespace RedisStores.Sessions;

/// <summary>
/// Every Redis key of the session store, built in this one place (see docs/data-model.md). All share the hash tag
/// <c>{sessions}</c>. Scripts get KEYS in this order: expiry index, id index, then a session's hash and event list.
/// </summary>
internal sealed class SessionKeys
{
    private readonly RedisKey[] _indexes;

    internal SessionKeys(string keyPrefix)
    {
        var root = RedisKeyspace.StoreRoot(keyPrefix, "sessions");
        SessionKeyPrefix = root + "s:";
        EventsKeyPrefix = root + "e:";
        _indexes = [root + "idx:expiry", root + "idx:ids"];
    }

    /// <summary>The prefix of session hashes; a session's key is this plus its id.</summary>
    internal string SessionKeyPrefix { get; }

    internal string EventsKeyPrefix { get; }

    internal RedisKey[] Indexes => _indexes;

    internal RedisKey[] ForSession(string id) => [_indexes[0], _indexes[1], SessionKeyPrefix + id, EventsKeyPrefix + id];
}
