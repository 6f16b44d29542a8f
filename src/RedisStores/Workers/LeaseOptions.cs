namespace RedisStores.Workers;

/// <summary>How a job is leased.</summary>
public sealed class LeaseOptions
{
    /// <summary>
    /// How long the job stays hidden from other workers: unless it is acked, failed or extended first, it becomes
    /// available again when this runs out (its worker is taken to have died). Default: <see langword="null"/>
    /// (<see cref="WorkerStoreOptions.VisibilityTimeout"/>). Range: 1 second to 1 day.
    /// </summary>
    public TimeSpan? VisibilityTimeout { get; set; }

    /// <summary>
    /// The leasing worker's id, recorded with the lease so the worker registry can show what each worker holds.
    /// Default: <see langword="null"/> (recorded without a worker). Same rule as other ids.
    /// </summary>
    public string? WorkerId { get; set; }
}
