namespace RedisStores.Workers;

/// <summary>What a worker reports about itself with <see cref="IWorkerStore.HeartbeatAsync"/>.</summary>
public sealed class WorkerHeartbeat
{
    /// <summary>
    /// The queues the worker serves. <see cref="IWorkerStore.ListWorkersAsync"/> looks in these for the jobs the worker
    /// holds (leased with its <see cref="LeaseOptions.WorkerId"/>). Default: none. At most 64.
    /// </summary>
    public IReadOnlyList<string>? Queues { get; set; }

    /// <summary>
    /// Free-form facts about the worker (host name, version, ...), shown as given. Default: none. At most 64 entries;
    /// names follow the id rule, values up to 1,024 characters.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; set; }
}
