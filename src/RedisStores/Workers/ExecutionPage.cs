namespace RedisStores.Workers;

/// <summary>One page of the active executions, newest first.</summary>
/// <remarks>Executions started after the first page was read appear only in a new listing.</remarks>
public sealed record ExecutionPage
{
    /// <summary>The executions, newest start first (ties broken by id, descending).</summary>
    public required IReadOnlyList<ExecutionRecord> Executions { get; init; }

    /// <summary>Pass this as <see cref="ExecutionQuery.Cursor"/> to read the next page; <see langword="null"/> on the last page.</summary>
    public string? NextCursor { get; init; }
}
