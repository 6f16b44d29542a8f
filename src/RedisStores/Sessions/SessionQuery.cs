namespace RedisStores.Sessions;

/// <summary>Which page of sessions to list.</summary>
public sealed record SessionQuery
{
    /// <summary>The largest <see cref="PageSize"/>: 1,000.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>How many sessions a page holds at most. Default: 100. Range: 1 to <see cref="MaxPageSize"/>.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>The <see cref="SessionPage.NextCursor"/> of the previous page, or <see langword="null"/> for the first page.</summary>
    public string? Cursor { get; init; }
}
