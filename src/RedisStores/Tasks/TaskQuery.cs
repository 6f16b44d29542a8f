namespace RedisStores.Tasks;

/// <summary>Which tasks to list, and where to continue.</summary>
public sealed record TaskQuery
{
    /// <summary>The largest <see cref="PageSize"/>: 1,000.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Only tasks with this status; <see langword="null"/> (the default) lists every status.</summary>
    public TaskState? Status { get; init; }

    /// <summary>How many tasks a page holds at most. Default: 100. Range: 1 to <see cref="MaxPageSize"/>.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>The <see cref="TaskPage.NextCursor"/> of the previous page, or <see langword="null"/> for the first page.</summary>
    public string? Cursor { get; init; }
}
