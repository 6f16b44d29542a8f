namespace RedisStores.Workers;

/// <summary>A job as a queue holds it, read by <see cref="IWorkerStore.PeekAsync"/>, <see cref="IWorkerStore.GetJobAsync"/> and <see cref="IWorkerStore.ListJobsAsync"/>.</summary>
public sealed class JobRecord
{
    private readonly WorkerInputs _inputs;
    private readonly byte[] _payload;

    internal JobRecord(WorkerInputs inputs, byte[] payload)
    {
        _inputs = inputs;
        _payload = payload;
    }

    /// <summary>The job's queue.</summary>
    public required string Queue { get; init; }

    /// <summary>The job's id.</summary>
    public required string JobId { get; init; }

    /// <summary>Where the job is.</summary>
    public required JobState State { get; init; }

    /// <summary>The job's priority.</summary>
    public required int Priority { get; init; }

    /// <summary>How many times the job has been leased.</summary>
    public required int Attempts { get; init; }

    /// <summary>How many attempts the job may have before it is dead-lettered.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>When the job was enqueued.</summary>
    public required DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>
    /// The time that matters for its state: for <see cref="JobState.Scheduled"/>, when it comes due; for
    /// <see cref="JobState.Leased"/>, when the lease runs out; for <see cref="JobState.Dead"/>, when it died;
    /// <see langword="null"/> for <see cref="JobState.Ready"/>.
    /// </summary>
    public DateTimeOffset? StateUntil { get; init; }

    /// <summary>The worker holding the lease, when leased with a worker id.</summary>
    public string? WorkerId { get; init; }

    /// <summary>The error of the last failed attempt, if any.</summary>
    public string? LastError { get; init; }

    /// <summary>The job's dedup key, if it was enqueued with one.</summary>
    public string? DedupKey { get; init; }

    /// <summary>The payload's size in bytes, as stored.</summary>
    public int PayloadBytes => _payload.Length;

    /// <summary>Reads the payload as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The type to read the payload as.</typeparam>
    /// <returns>The payload.</returns>
    /// <exception cref="StoreSerializationException">The payload cannot be read as <typeparamref name="T"/>.</exception>
    public T GetPayload<T>() => _inputs.DeserializePayload<T>(Queue, JobId, _payload);
}
