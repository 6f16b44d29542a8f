namespace RedisStores.Sessions;

/// <summary>A session's data and its bookkeeping.</summary>
/// <typeparam name="T">The type the data was read as.</typeparam>
public sealed record SessionEntry<T>
{
    /// <summary>The session's id.</summary>
    public required string Id { get; init; }

    /// <summary>The data.</summary>
    public required T Data { get; init; }

    /// <summary>The version: pass it as the expected version of a write to detect concurrent changes.</summary>
    public required long Version { get; init; }

    /// <summary>When the session was first written.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the session's data last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>How long the session lives after it is written (and, when sliding, after each access).</summary>
    public required TimeSpan Ttl { get; init; }

    /// <summary>Whether every access starts the TTL again.</summary>
    public required bool Sliding { get; init; }
}
