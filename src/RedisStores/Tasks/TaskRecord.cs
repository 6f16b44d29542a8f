namespace RedisStores.Tasks;

/// <summary>A snapshot of one task. Times are kept to the millisecond.</summary>
public sealed record TaskRecord
{
    /// <summary>The task's id, generated or given by the creator.</summary>
    public required string Id { get; init; }

    /// <summary>Where the task is in its life.</summary>
    public required TaskState Status { get; init; }

    /// <summary>A human-readable note on the status, or <see langword="null"/>.</summary>
    public string? StatusMessage { get; init; }

    /// <summary>When the task was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the task's status or result last changed.</summary>
    public required DateTimeOffset LastUpdatedAt { get; init; }

    /// <summary>How long the task and its result live after creation.</summary>
    public required TimeSpan Ttl { get; init; }

    /// <summary>How often clients are asked to poll the task.</summary>
    public required TimeSpan PollInterval { get; init; }

    /// <summary>Whether a result has been stored.</summary>
    public bool HasResult { get; init; }

    /// <summary>When the task and its result expire: <see cref="CreatedAt"/> plus <see cref="Ttl"/>.</summary>
    public DateTimeOffset ExpiresAt => CreatedAt + Ttl;

    /// <summary>Whether <see cref="Status"/> is final (completed, failed or cancelled).</summary>
    public bool IsTerminal => TaskLifecycle.IsTerminal(Status);
}
