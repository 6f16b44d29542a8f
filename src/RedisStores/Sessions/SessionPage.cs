namespace RedisStores.Sessions;

/// <summary>One page of a session listing, in id order.</summary>
public sealed record SessionPage
{
    /// <summary>The sessions, in ordinal id order.</summary>
    public required IReadOnlyList<SessionSummary> Sessions { get; init; }

    /// <summary>Pass this as <see cref="SessionQuery.Cursor"/> to read the next page; <see langword="null"/> on the last page.</summary>
    public string? NextCursor { get; init; }
}
