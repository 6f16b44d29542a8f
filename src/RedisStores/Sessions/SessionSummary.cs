namespace RedisStores.Sessions;

/// <summary>A session as a listing shows it, without its data.</summary>
public sealed record SessionSummary
{
    /// <summary>The session's id.</summary>
    public required string Id { get; init; }

    /// <summary>The session's version.</summary>
    public required long Version { get; init; }

    /// <summary>When the session was first written.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the session's data last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}
