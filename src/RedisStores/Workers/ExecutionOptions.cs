namespace RedisStores.Workers;

/// <summary>Settings of one execution, given when it starts.</summary>
public sealed record ExecutionOptions
{
    /// <summary>
    /// How long the execution, its steps and their results live after it starts. Default: <see langword="null"/>,
    /// meaning <see cref="WorkerStoreOptions.ExecutionTtl"/> (no expiry unless changed). Range: 1 second to 365 days.
    /// </summary>
    public TimeSpan? Ttl { get; init; }
}
