namespace RedisStores.Caching;

/// <summary>
/// Cache entries changed or were removed: the message on <see cref="Messaging.StoreTopics.CacheInvalidations"/>.
/// </summary>
/// <param name="Namespace">The namespace, or <see langword="null"/> for plain entries.</param>
/// <param name="Keys">The keys written or removed; empty when the whole <see cref="Namespace"/> was invalidated.</param>
public sealed record CacheInvalidated(string? Namespace, IReadOnlyList<string> Keys);
