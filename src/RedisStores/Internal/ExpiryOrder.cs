namespace RedisStores.Internal;

/// <summary>
/// The order of the in-memory stores' expiry queues: soonest first, then id, ordinally (the default tuple
/// comparer would compare ids by culture).
/// </summary>
internal static class ExpiryOrder
{
    internal static Comparer<(long ExpiresMs, string Id)> Instance { get; } = Comparer<(long ExpiresMs, string Id)>.Create(
        static (x, y) => x.ExpiresMs != y.ExpiresMs ? x.ExpiresMs.CompareTo(y.ExpiresMs) : string.CompareOrdinal(x.Id, y.Id));
}
