namespace RedisStores.Workers;

/// <summary>A live worker, as <see cref="IWorkerStore.ListWorkersAsync"/> reads it.</summary>
public sealed class WorkerRecord
{
    /// <summary>The worker's id.</summary>
    public required string WorkerId { get; init; }

    /// <summary>The queues it serves, from its last heartbeat.</summary>
    public required IReadOnlyList<string> Queues { get; init; }

    /// <summary>Its metadata, from its last heartbeat.</summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>When it first sent a heartbeat in this registration (since it was last removed or expired).</summary>
    public required DateTimeOffset RegisteredAt { get; init; }

    /// <summary>When it last sent a heartbeat.</summary>
    public required DateTimeOffset LastHeartbeatAt { get; init; }

    /// <summary>When it leaves the registry unless it sends another heartbeat.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The jobs it holds in the queues it serves, leased with its worker id.</summary>
    public required IReadOnlyList<HeldJob> Leases { get; init; }
}
