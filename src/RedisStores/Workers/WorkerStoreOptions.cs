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
    /// The largest serialized step result the store accepts, in bytes; a larger one is refused with an
    /// <see cref="ArgumentException"/> before anything is written. Default: 1 MiB (1,048,576). Range: 1 byte to 512 MiB.
    /// </summary>
    public int MaxPayloadBytes { get; set; } = 1024 * 1024;
}
