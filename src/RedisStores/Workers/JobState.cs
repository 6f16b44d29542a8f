namespace RedisStores.Workers;

/// <summary>Where a job of a work queue is.</summary>
public enum JobState
{
    /// <summary>Waiting to be leased: due now, ordered by priority, then by enqueue order.</summary>
    Ready,

    /// <summary>Waiting for its time: enqueued with a delay, or failed and waiting for its retry.</summary>
    Scheduled,

    /// <summary>Held by a worker until it acks, fails or extends the lease, or the lease expires.</summary>
    Leased,

    /// <summary>Failed its last attempt, or was dead-lettered: kept for inspection and replay until purged.</summary>
    Dead,
}
