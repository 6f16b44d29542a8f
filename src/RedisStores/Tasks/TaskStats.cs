namespace RedisStores.Tasks;

/// <summary>How many live tasks the store holds in each status.</summary>
public sealed record TaskStats
{
    /// <summary>Tasks that are <see cref="TaskState.Working"/>.</summary>
    public long Working { get; init; }

    /// <summary>Tasks that are <see cref="TaskState.InputRequired"/>.</summary>
    public long InputRequired { get; init; }

    /// <summary>Tasks that are <see cref="TaskState.Completed"/>.</summary>
    public long Completed { get; init; }

    /// <summary>Tasks that are <see cref="TaskState.Failed"/>.</summary>
    public long Failed { get; init; }

    /// <summary>Tasks that are <see cref="TaskState.Cancelled"/>.</summary>
    public long Cancelled { get; init; }

    /// <summary>All live tasks.</summary>
    public long Total => Working + InputRequired + Completed + Failed + Cancelled;

    /// <summary>The count for one status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>How many live tasks have it.</returns>
    public long this[TaskState status] => status switch
    {
        TaskState.Working => Working,
        TaskState.InputRequired => InputRequired,
        TaskState.Completed => Completed,
        TaskState.Failed => Failed,
        TaskState.Cancelled => Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a task status."),
    };

    internal static TaskStats FromCounts(ReadOnlySpan<long> counts) => new()
    {
        Working = counts[0],
        InputRequired = counts[1],
        Completed = counts[2],
        Failed = counts[3],
        Cancelled = counts[4],
    };
}
