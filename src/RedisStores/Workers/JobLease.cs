namespace RedisStores.Workers;

/// <summary>
/// A job leased by a worker. Pass it to <see cref="IWorkerStore.AckAsync"/> when the work is done,
/// <see cref="IWorkerStore.FailAsync"/> when it failed, or <see cref="IWorkerStore.ExtendLeaseAsync"/> to keep it
/// longer. Until one of those, or until <see cref="ExpiresAt"/>, no other worker gets the job.
/// </summary>
/// <typeparam name="T">The payload type.</typeparam>
public sealed class JobLease<T>
{
    /// <summary>The job's queue.</summary>
    public required string Queue { get; init; }

    /// <summary>The job's id.</summary>
    public required string JobId { get; init; }

    /// <summary>The job's payload.</summary>
    public required T Payload { get; init; }

    /// <summary>Which attempt this is, counting from 1: greater than 1 when an earlier attempt failed or its lease ran out.</summary>
    public required int Attempt { get; init; }

    /// <summary>How many attempts the job may have before it is dead-lettered.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>The job's priority.</summary>
    public required int Priority { get; init; }

    /// <summary>When the job was enqueued.</summary>
    public required DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>When the lease runs out, unless extended; on Redis, by the server's clock.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The error of the previous failed attempt, if any.</summary>
    public string? LastError { get; init; }

    /// <summary>The worker id the lease was taken with, if any.</summary>
    public string? WorkerId { get; init; }

    /// <summary>The secret that proves this lease: a later lease of the same job gets another, and this one stops working.</summary>
    public required string LeaseToken { get; init; }

    /// <summary>The same lease with a new expiry, as an extension returns it.</summary>
    internal JobLease<T> WithExpiry(long expiresMs) => new()
    {
        Queue = Queue,
        JobId = JobId,
        Payload = Payload,
        Attempt = Attempt,
        MaxAttempts = MaxAttempts,
        Priority = Priority,
        EnqueuedAt = EnqueuedAt,
        ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(expiresMs),
        LastError = LastError,
        WorkerId = WorkerId,
        LeaseToken = LeaseToken,
    };
}
