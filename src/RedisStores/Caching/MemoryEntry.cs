namespace RedisStores.Caching;

/// <summary>One value in the memory cache. Times are Unix milliseconds of the store's clock.</summary>
internal sealed class MemoryEntry
{
    internal MemoryEntry(ReadOnlyMemory<byte> payload, object? shared, Type? sharedType, long freshUntil, long expiresAt, long keepUntil, long stamp)
    {
        Payload = payload;
        Shared = shared;
        SharedType = sharedType;
        FreshUntil = freshUntil;
        ExpiresAt = expiresAt;
        KeepUntil = keepUntil;
        Stamp = stamp;
    }

    /// <summary>The serialized value.</summary>
    internal ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The value itself, when its type cannot be changed by callers (see <see cref="SharedValues"/>).</summary>
    internal object? Shared { get; }

    /// <summary>The type <see cref="Shared"/> was stored as; only readers of exactly that type get the instance.</summary>
    internal Type? SharedType { get; }

    /// <summary>Until when the memory cache answers with it without asking Redis.</summary>
    internal long FreshUntil { get; }

    /// <summary>Until when the value is valid at all (its TTL).</summary>
    internal long ExpiresAt { get; }

    /// <summary>Until when it is kept: past <see cref="ExpiresAt"/> only for fail-safe values.</summary>
    internal long KeepUntil { get; }

    /// <summary>The tier's invalidation stamp when the value was read or written; older than an invalidation means dead.</summary>
    internal long Stamp { get; }

    /// <summary>Recency for eviction: the tier's use clock at the last hit.</summary>
    internal long LastUsed { get; set; }
}
