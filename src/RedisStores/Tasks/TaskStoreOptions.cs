namespace RedisStores.Tasks;

/// <summary>Settings of the task store, under <c>RedisStores:Tasks</c>.</summary>
public sealed class TaskStoreOptions
{
    /// <summary>
    /// How long a task and its result live after creation when the request names no TTL.
    /// Default: <see langword="null"/>, meaning <see cref="RedisStoresOptions.DefaultTtl"/> (1 hour unless changed).
    /// Range: 1 second to 365 days.
    /// </summary>
    public TimeSpan? DefaultTtl { get; set; }

    /// <summary>
    /// The poll interval suggested to clients when the request names none. Default: 5 seconds.
    /// Range: 10 milliseconds to 1 hour.
    /// </summary>
    public TimeSpan DefaultPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The largest serialized result the store accepts, in bytes; a larger one is refused with an
    /// <see cref="ArgumentException"/> before anything is written. Default: 4 MiB (4,194,304). Range: 1 byte to 512 MiB.
    /// </summary>
    public int MaxResultBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The longest status message accepted, in characters. Default: 4,096. Range: 1 to 1,048,576.</summary>
    public int MaxStatusMessageLength { get; set; } = 4096;
}
