using RedisStores.Tasks;

namespace RedisStores;

/// <summary>
/// Settings for every RedisStores store. Bind them from the <c>RedisStores</c> configuration section,
/// set them in <c>AddRedisStores(options =&gt; ...)</c>, or leave them to the environment variables
/// <c>REDIS_URL</c>, <c>REDIS_PREFIX</c>, <c>REDIS_TTL</c>, <c>REDIS_LOCK_TIMEOUT</c>,
/// <c>REDIS_MEMORY_CACHE</c> and <c>REDIS_MEMORY_CACHE_SIZE</c>. Explicit settings win over environment variables. See <c>docs/configuration.md</c>.
/// </summary>
/// <remarks>Every value is validated when the host starts; a bad value fails start-up with a message naming the setting.</remarks>
public sealed class RedisStoresOptions
{
    /// <summary>The configuration section that <c>AddRedisStores(IConfiguration)</c> binds: <c>RedisStores</c>.</summary>
    public const string SectionName = "RedisStores";

    /// <summary>The default <see cref="KeyPrefix"/>: <c>redisstores:</c>.</summary>
    public const string DefaultKeyPrefix = "redisstores:";

    /// <summary>
    /// Where Redis is. When set (here or by <c>REDIS_URL</c>), the stores use Redis; when empty, they are in memory.
    /// Accepts <c>redis://host:6379</c>, <c>redis://:password@host:6379</c>, <c>redis://user:password@host:6379/0</c>,
    /// <c>rediss://...</c> for TLS, and StackExchange.Redis configuration strings such as <c>host:6379,password=...</c>.
    /// Default: <see langword="null"/> (in memory, unless an <c>IConnectionMultiplexer</c> is registered).
    /// </summary>
    public string? RedisUrl { get; set; }

    /// <summary>
    /// The prefix of every Redis key the stores write, so that several applications can share one Redis.
    /// It may not contain white space, control characters or any of <c>{ } * ? [ ] \</c>.
    /// Environment variable: <c>REDIS_PREFIX</c>. Default: <c>redisstores:</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = DefaultKeyPrefix;

    /// <summary>
    /// The time to live of stored entries when neither the store's own option nor the call names one.
    /// Environment variable: <c>REDIS_TTL</c> (seconds). Default: 1 hour. Range: 1 second to 365 days.
    /// </summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The default lease of a distributed lock. Environment variable: <c>REDIS_LOCK_TIMEOUT</c> (milliseconds).
    /// Default: 30 seconds. Range: 10 milliseconds to 1 day.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Adjusts the StackExchange.Redis configuration made from <see cref="RedisUrl"/> before the first connection:
    /// timeouts, the reconnect policy, TLS certificate callbacks, a client name. Not read from configuration files
    /// or the environment, and not used when the host registers its own <c>IConnectionMultiplexer</c>.
    /// Default: <see langword="null"/> (StackExchange.Redis defaults, with <c>AbortOnConnectFail=false</c> so a host
    /// starts while Redis is down).
    /// </summary>
    public Action<StackExchange.Redis.ConfigurationOptions>? ConfigureConnection { get; set; }

    /// <summary>Settings of the cache store (<see cref="Caching.ICacheStore"/>).</summary>
    public Caching.CacheStoreOptions Cache { get; set; } = new();

    /// <summary>Settings of the lock service (<see cref="Locking.IDistributedLockService"/>).</summary>
    public Locking.LockServiceOptions Locks { get; set; } = new();

    /// <summary>Settings of the session store (<see cref="Sessions.ISessionStore"/>).</summary>
    public Sessions.SessionStoreOptions Sessions { get; set; } = new();

    /// <summary>Settings of the task store (<see cref="ITaskStore"/>).</summary>
    public TaskStoreOptions Tasks { get; set; } = new();

    /// <summary>Settings of the worker store (<see cref="Workers.IWorkerStore"/>).</summary>
    public Workers.WorkerStoreOptions Workers { get; set; } = new();

    /// <summary>Settings of the message bus (<see cref="Messaging.IMessageBus"/>).</summary>
    public Messaging.MessagingOptions Messaging { get; set; } = new();

    /// <summary>Problems found while reading environment variables, reported by validation at start-up.</summary>
    internal List<string> EnvironmentErrors { get; } = [];

    /// <summary>Describes the options without any password.</summary>
    /// <returns>A description safe to log.</returns>
    public override string ToString()
        => $"RedisUrl={(string.IsNullOrWhiteSpace(RedisUrl) ? "(none)" : Redis.RedisConfiguration.Describe(RedisUrl))}, KeyPrefix={KeyPrefix}, DefaultTtl={DefaultTtl}, LockTimeout={LockTimeout}";
}
