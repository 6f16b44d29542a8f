namespace RedisStores.Workers;

/// <summary>Which page of active executions to list.</summary>
public sealed record ExecutionQuery
{
    /// <summary>The largest <see cref="PageSize"/>: 1,000.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>How many executions a page holds at most. Default: 100. Range: 1 to <see cref="MaxPageSize"/>.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>The <see cref="ExecutionPage.NextCursor"/> of the previous page, or <see langword="null"/> for the first page.</summary>
    public string? Cursor { get; init; }
}
