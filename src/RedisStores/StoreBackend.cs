namespace RedisStores;

/// <summary>Where the stores keep their state.</summary>
public enum StoreBackend
{
    /// <summary>In this process's memory: nothing is shared between instances, and nothing survives a restart.</summary>
    InMemory = 0,

    /// <summary>In Redis, shared by every instance that uses the same server and key prefix.</summary>
    Redis = 1,
}
