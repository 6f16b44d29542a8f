namespace RedisStores.Workers;

/// <summary>
/// An enqueue would take a queue past <see cref="WorkerStoreOptions.MaxQueueLength"/>; nothing was enqueued.
/// Jobs are refused rather than old ones dropped, so nothing is lost without the producer knowing.
/// </summary>
public sealed class QueueFullException : RedisStoresException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="length">The jobs waiting in it (ready and scheduled).</param>
    /// <param name="maxLength">The limit.</param>
    public QueueFullException(string queue, long length, long maxLength)
        : base($"Queue '{queue}' holds {length} waiting jobs and its limit is {maxLength} (RedisStores:Workers:MaxQueueLength); nothing was enqueued. Add workers, or retry later.")
    {
        Queue = queue;
        Length = length;
        MaxLength = maxLength;
    }

    /// <summary>The queue.</summary>
    public string Queue { get; }

    /// <summary>The jobs waiting in it (ready and scheduled) when the enqueue was refused.</summary>
    public long Length { get; }

    /// <summary>The limit.</summary>
    public long MaxLength { get; }
}
