namespace RedisStores.Workers;

/// <summary>An execution as the journal holds it.</summary>
public sealed record ExecutionRecord
{
    /// <summary>The execution's id.</summary>
    public required string Id { get; init; }

    /// <summary>Whether it is active, completed or failed.</summary>
    public required ExecutionState State { get; init; }

    /// <summary>When it was first started (by the store's clock).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When it completed or failed; <see langword="null"/> while active.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The error given to <see cref="IWorkerStore.FailExecutionAsync"/>; <see langword="null"/> otherwise.</summary>
    public string? Error { get; init; }

    /// <summary>How long it lives after it started; <see langword="null"/> when it never expires.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>When it and its steps expire; <see langword="null"/> when never.</summary>
    public DateTimeOffset? ExpiresAt => Ttl is { } ttl ? StartedAt + ttl : null;
}
