namespace RedisStores.Workers;

/// <summary>How a job is enqueued. Every setting is optional; the defaults come from <see cref="WorkerStoreOptions"/>.</summary>
public sealed class EnqueueOptions
{
    /// <summary>The highest <see cref="Priority"/>: 255.</summary>
    public const int MaxPriority = 255;

    /// <summary>
    /// The job's priority, 0 to <see cref="MaxPriority"/>: a higher priority is leased first, and jobs of one priority
    /// are leased in the order they were enqueued. Default: 0.
    /// </summary>
    public int Priority { get; set; }

    /// <summary>
    /// How long to wait before the job may be leased; it is <see cref="JobState.Scheduled"/> until then.
    /// Default: <see langword="null"/> (ready at once). Not together with <see cref="RunAt"/>. Range: 0 to 365 days.
    /// </summary>
    public TimeSpan? Delay { get; set; }

    /// <summary>
    /// The time from which the job may be leased; a time in the past means at once, and it may be at most 365 days
    /// ahead. Default: <see langword="null"/>. Not together with <see cref="Delay"/>. It is turned into a delay by the
    /// store's clock when enqueued; on Redis that delay then runs on the server's clock.
    /// </summary>
    public DateTimeOffset? RunAt { get; set; }

    /// <summary>
    /// A key that makes the enqueue idempotent: while a job enqueued with the same key in this queue is remembered
    /// (<see cref="DedupWindow"/>), enqueuing again adds nothing and returns that job's id. Default: <see langword="null"/>
    /// (no deduplication). Up to 512 ASCII letters, digits or <c>- _ . @ + = ~ / :</c>.
    /// </summary>
    public string? DedupKey { get; set; }

    /// <summary>
    /// How long a <see cref="DedupKey"/> is remembered after the enqueue, whatever happens to the job.
    /// Default: <see langword="null"/> (<see cref="WorkerStoreOptions.DedupWindow"/>). Range: 1 millisecond to 365 days.
    /// </summary>
    public TimeSpan? DedupWindow { get; set; }

    /// <summary>
    /// How many times the job may be leased before a failure, or an expired lease, sends it to the dead letters.
    /// Default: <see langword="null"/> (<see cref="WorkerStoreOptions.MaxAttempts"/>). Range: 1 to 1,000.
    /// </summary>
    public int? MaxAttempts { get; set; }

    /// <summary>
    /// How long the job may wait to be leased: a job not leased within it is dropped, as a command nobody picked up in
    /// time is of no use. Once leased, it no longer expires. Default: <see langword="null"/>
    /// (<see cref="WorkerStoreOptions.JobTtl"/>, itself none by default). Range: 1 millisecond to 365 days.
    /// </summary>
    public TimeSpan? Ttl { get; set; }
}
