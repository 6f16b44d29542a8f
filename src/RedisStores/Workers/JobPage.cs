namespace RedisStores.Workers;

/// <summary>A page of a queue's jobs in one state.</summary>
public sealed class JobPage
{
    /// <summary>The jobs, in the order the state keeps them (see <see cref="IWorkerStore.ListJobsAsync"/>).</summary>
    public required IReadOnlyList<JobRecord> Jobs { get; init; }

    /// <summary>The cursor of the next page; <see langword="null"/> when this is the last.</summary>
    public string? NextCursor { get; init; }
}
