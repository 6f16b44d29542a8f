namespace RedisStores.Workers;

/// <summary>What an enqueue did.</summary>
/// <param name="JobId">The new job's id; for a duplicate, the id of the job already enqueued with its dedup key.</param>
/// <param name="Enqueued"><see langword="true"/> when a job was added; <see langword="false"/> when it was a duplicate.</param>
public readonly record struct EnqueueResult(string JobId, bool Enqueued);
