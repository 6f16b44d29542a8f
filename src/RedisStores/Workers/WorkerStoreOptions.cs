namespace RedisStores.Workers;

/// <summary>Settings of the worker store, under <c>RedisStores:Workers</c>.</summary>
public sealed class WorkerStoreOptions
{
    /// <summary>
    /// How long an execution, its steps and their results live after it starts, when its
    /// <see cref="ExecutionOptions"/> name no TTL. Default: <see langword="null"/> (never expire; finished executions
    /// stay until deleted by Redis eviction). Range: 1 second to 365 days.
    /// </summary>
    public TimeSpan? ExecutionTtl { get; set; }

    /// <summary>
    /// The largest serialized step result or job payload the store accepts, in bytes; a larger one is refused with an
    /// <see cref="ArgumentException"/> before anything is written. Default: 1 MiB (1,048,576). Range: 1 byte to 512 MiB.
    /// </summary>
    public int MaxPayloadBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How long a leased job stays hidden from other workers when <see cref="LeaseOptions.VisibilityTimeout"/> names no
    /// time. Default: 30 seconds. Range: 1 second to 1 day.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many times a job may be leased before a failure, or an expired lease, sends it to the dead letters, when
    /// <see cref="EnqueueOptions.MaxAttempts"/> names no number. Default: 5. Range: 1 to 1,000.
    /// </summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>
    /// The wait before the first retry of a failed job; each later retry waits twice as long as the one before, up to
    /// <see cref="RetryMaxDelay"/>. Each wait is varied by up to 20% either way, so that failed jobs do not all return at
    /// once, and never exceeds <see cref="RetryMaxDelay"/>.
    /// Default: 1 second. Range: 0 to 1 day.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait before a retry. Default: 5 minutes. Range: 0 to 1 day, and not less than <see cref="RetryBaseDelay"/>.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a dedup key is remembered after its enqueue, when <see cref="EnqueueOptions.DedupWindow"/> names no time.
    /// Default: 10 minutes. Range: 1 millisecond to 365 days.
    /// </summary>
    public TimeSpan DedupWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a job may wait to be leased before it is dropped, when <see cref="EnqueueOptions.Ttl"/> names no time.
    /// Default: <see langword="null"/> (jobs wait until leased or purged). Range: 1 millisecond to 365 days.
    /// </summary>
    public TimeSpan? JobTtl { get; set; }

    /// <summary>
    /// The most jobs a queue may hold waiting (ready and scheduled); an enqueue past it throws
    /// <see cref="QueueFullException"/> and adds nothing. Jobs whose TTL has passed make room first; duplicates (by
    /// dedup key) add nothing and are never refused. Default: <see langword="null"/> (no limit). Range: 1 to 2^40.
    /// </summary>
    public long? MaxQueueLength { get; set; }

    /// <summary>
    /// How long a worker stays in the registry after its last heartbeat. Send heartbeats at a third of it or more often.
    /// Default: 30 seconds. Range: 1 second to 1 day.
    /// </summary>
    public TimeSpan HeartbeatTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest a waiting <see cref="IWorkerStore.WaitAndLeaseAsync"/> goes without asking the store again. Waiters
    /// are woken by enqueues (on Redis through pub/sub) and by a timer to the next scheduled job or lease expiry; this is
    /// only the safety net for a wake-up lost while the connection was down. Default: 5 seconds. Range: 100 milliseconds to 1 day.
    /// </summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(5);
}
