namespace RedisStores.Workers;

/// <summary>
/// A job as either implementation read it, turned into what callers see in one place, so a lease or a record reads
/// the same from memory and from Redis.
/// </summary>
internal sealed record JobSnapshot(
    string Id, byte[] Payload, JobState State, int Priority, int Attempts, int MaxAttempts, long EnqueuedMs,
    long? UntilMs, string? Token, string? WorkerId, string? LastError, string? DedupKey)
{
    internal JobLease<T> ToLease<T>(WorkerInputs inputs, string queue) => new()
    {
        Queue = queue,
        JobId = Id,
        Payload = inputs.DeserializePayload<T>(queue, Id, Payload),
        Attempt = Attempts,
        MaxAttempts = MaxAttempts,
        Priority = Priority,
        EnqueuedAt = DateTimeOffset.FromUnixTimeMilliseconds(EnqueuedMs),
        ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(UntilMs ?? throw Unreadable(queue)),
        LastError = LastError,
        WorkerId = WorkerId,
        LeaseToken = Token ?? throw Unreadable(queue),
    };

    internal JobRecord ToRecord(WorkerInputs inputs, string queue) => new(inputs, Payload)
    {
        Queue = queue,
        JobId = Id,
        State = State,
        Priority = Priority,
        Attempts = Attempts,
        MaxAttempts = MaxAttempts,
        EnqueuedAt = DateTimeOffset.FromUnixTimeMilliseconds(EnqueuedMs),
        StateUntil = State == JobState.Ready || UntilMs is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(UntilMs.Value),
        WorkerId = WorkerId,
        LastError = LastError,
        DedupKey = DedupKey,
    };

    internal StoreDataException Unreadable(string queue)
        => new($"Job '{Id}' of queue '{queue}' is stored in a form this store did not write. Something else writes under the store's key prefix; delete the queue's keys (PurgeAsync, or the keys tagged {{wq:{queue}}}) or give the store its own RedisStores:KeyPrefix.");
}
