namespace RedisStores;

/// <summary>
/// Which backend <c>AddRedisStores()</c> chose, and why. Take it from DI to report it (it never holds a password).
/// </summary>
public sealed class StoreBackendInfo
{
    internal StoreBackendInfo(StoreBackend backend, string description, string keyPrefix)
    {
        Backend = backend;
        Description = description;
        KeyPrefix = keyPrefix;
    }

    /// <summary>The backend in use.</summary>
    public StoreBackend Backend { get; }

    /// <summary>The Redis server(s) without any password, or <c>in memory</c>.</summary>
    public string Description { get; }

    /// <summary>The prefix of every Redis key the stores write.</summary>
    public string KeyPrefix { get; }

    /// <inheritdoc />
    public override string ToString() => Backend == StoreBackend.Redis ? $"Redis at {Description} (prefix {KeyPrefix})" : "in memory";
}
