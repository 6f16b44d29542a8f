namespace RedisStores.Workers;

/// <summary>Which page of a queue's jobs <see cref="IWorkerStore.ListJobsAsync"/> reads.</summary>
public sealed class JobQuery
{
    /// <summary>The largest <see cref="PageSize"/>: 1,000.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Jobs per page, 1 to <see cref="MaxPageSize"/>. Default: 100.</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>The <see cref="JobPage.NextCursor"/> of the previous page; <see langword="null"/> for the first.</summary>
    public string? Cursor { get; set; }
}
