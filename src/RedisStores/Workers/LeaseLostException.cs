namespace RedisStores.Workers;

/// <summary>
/// A worker acked, failed or extended a lease it no longer holds: the lease ran out and the job was handed to
/// another worker or dead-lettered, or the job was acked, replayed or purged since. Its work may run twice; delivery is
/// at least once, so jobs should be idempotent.
/// </summary>
public sealed class LeaseLostException : RedisStoresException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="queue">The job's queue.</param>
    /// <param name="jobId">The job's id.</param>
    public LeaseLostException(string queue, string jobId)
        : base($"The lease on job '{jobId}' of queue '{queue}' is no longer held: it ran out and the job moved on, or the job was acked, replayed or purged. Extend long leases before they run out (ExtendLeaseAsync), or lease with a longer VisibilityTimeout.")
    {
        Queue = queue;
        JobId = jobId;
    }

    /// <summary>The job's queue.</summary>
    public string Queue { get; }

    /// <summary>The job's id.</summary>
    public string JobId { get; }
}
