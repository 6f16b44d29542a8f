using System.Text;
using StackExchange.Redis;

namespace RedisStores.Caching;

/// <summary>
/// Every Redis key and the channel of the cache, built in this one place (see docs/data-model.md).
/// </summary>
/// <remarks>
/// Unlike the other stores, the cache does not keep all its keys in one hash slot: it is the largest store, and on
/// Redis Cluster its entries spread over every node. A plain entry is one key with no hash tag,
/// <c>{prefix}cache:k:{key}</c>. A namespace's entries and its version key share the tag <c>{ns}</c>, so reading an
/// entry together with its namespace's version is one multi-key command that a cluster accepts.
/// </remarks>
internal sealed class CacheKeys
{
    private readonly RedisKey _plainPrefix;
    private readonly string _namespacePrefix;

    internal CacheKeys(string keyPrefix)
    {
        // A byte[] prefix joins the caller's key inside RedisKey without building a new string per call.
        _plainPrefix = Encoding.UTF8.GetBytes(keyPrefix + "cache:k:");
        _namespacePrefix = keyPrefix + "cache:n:{";
        ChannelName = keyPrefix + "cache:invalidations";
        Channel = RedisChannel.Literal(ChannelName);
    }

    /// <summary>The channel that carries invalidations between instances.</summary>
    internal RedisChannel Channel { get; }

    /// <summary>The channel's name, for the scripts that publish on it.</summary>
    internal string ChannelName { get; }

    internal RedisKey Entry(string? ns, string key)
        => ns is null ? ((RedisKey)key).Prepend(_plainPrefix) : (RedisKey)string.Concat(_namespacePrefix, ns, "}:k:", key);

    internal RedisKey Version(string ns) => string.Concat(_namespacePrefix, ns, "}:v");
}
