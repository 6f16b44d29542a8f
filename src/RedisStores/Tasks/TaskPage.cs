namespace RedisStores.Tasks;

/// <summary>One page of a task listing, newest first.</summary>
/// <remarks>
/// On Redis a page may rarely hold fewer than <see cref="TaskQuery.PageSize"/> tasks while more follow: when a
/// listing meets more than 1,000 index entries whose keys vanished (evicted under memory pressure), it stops there.
/// Keep reading while <see cref="NextCursor"/> is not <see langword="null"/>.
/// Tasks created after the first page was read appear only in a new listing.
/// </remarks>
public sealed record TaskPage
{
    /// <summary>The tasks, newest first (ties broken by id, descending).</summary>
    public required IReadOnlyList<TaskRecord> Tasks { get; init; }

    /// <summary>Pass this as <see cref="TaskQuery.Cursor"/> to read the next page; <see langword="null"/> on the last page.</summary>
    public string? NextCursor { get; init; }
}
