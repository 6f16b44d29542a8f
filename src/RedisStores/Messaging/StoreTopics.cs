namespace RedisStores.Messaging;

/// <summary>
/// The topics on which the stores announce their changes through the <see cref="IMessageBus"/>, so a host can react
/// (or stream them to its clients) without polling. Subscribe to them like any other topic.
/// </summary>
public static class StoreTopics
{
    /// <summary>Every task status change, as a <see cref="Tasks.TaskStatusChange"/>: <c>redisstores.tasks.status</c>.</summary>
    public const string TaskStatus = "redisstores.tasks.status";

    /// <summary>Every event appended to a session's log, as a <see cref="Sessions.SessionEventAppended"/>: <c>redisstores.sessions.events</c>.</summary>
    public const string SessionEvents = "redisstores.sessions.events";

    /// <summary>Every job acked, failed or dead-lettered, as a <see cref="Workers.JobFinished"/>: <c>redisstores.workers.jobs</c>.</summary>
    public const string WorkerJobs = "redisstores.workers.jobs";

    /// <summary>
    /// Every cache write, removal and namespace invalidation, as a <see cref="Caching.CacheInvalidated"/>:
    /// <c>redisstores.cache.invalidations</c>. On Redis the bus reads the cache's own invalidation messages for it, so
    /// announcing costs the cache nothing extra; a subscription must name this topic exactly (patterns do not reach it).
    /// </summary>
    public const string CacheInvalidations = "redisstores.cache.invalidations";

    /// <summary>The channel name a script publishes a store topic to, before any channel prefix of the connection.</summary>
    internal static string Channel(string keyPrefix, string topic) => keyPrefix + RedisMessageBus.ChannelInfix + topic;
}
