namespace RedisStores.Sessions;

/// <summary>How to write a whole session. Every property is optional.</summary>
public sealed record SessionWriteOptions
{
    /// <summary>The session's time to live; <see langword="null"/> takes <see cref="SessionStoreOptions.DefaultTtl"/>.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Whether every access starts the TTL again; <see langword="null"/> takes <see cref="SessionStoreOptions.SlidingExpiration"/>.</summary>
    public bool? Sliding { get; init; }

    /// <summary>
    /// The version the write requires: <c>0</c> to create only a new session, a version read earlier to replace
    /// only that version; <see langword="null"/> (the default) writes whatever is there.
    /// </summary>
    public long? ExpectedVersion { get; init; }
}
