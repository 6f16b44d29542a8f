namespace RedisStores.Redis;

/// <summary>
/// The shape every store's keys share: <c>{prefix}{{store}}:...</c>. The hash tag puts all keys of one store in
/// one Redis Cluster slot, so any script or transaction over them is accepted by a cluster.
/// </summary>
internal static class RedisKeyspace
{
    /// <summary>The root of one store's keys, such as <c>redisstores:{tasks}:</c>.</summary>
    internal static string StoreRoot(string keyPrefix, string storeName) => $"{keyPrefix}{{{storeName}}}:";
}
