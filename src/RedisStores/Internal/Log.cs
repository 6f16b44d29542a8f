using Microsoft.Extensions.Logging;

namespace RedisStores.Internal;

/// <summary>
/// Every log message of the library, with fixed event ids. Messages name servers (without passwords) and
/// stores, never keys, values or secrets.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "RedisStores uses Redis at {Endpoint} (key prefix {KeyPrefix})")]
    internal static partial void UsingRedis(ILogger logger, string endpoint, string keyPrefix);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "RedisStores uses the application's own IConnectionMultiplexer ({Endpoint}, key prefix {KeyPrefix})")]
    internal static partial void UsingHostConnection(ILogger logger, string endpoint, string keyPrefix);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "RedisStores keeps state in memory: no Redis URL is configured (set RedisStores:RedisUrl or REDIS_URL to share state between instances)")]
    internal static partial void UsingMemory(ILogger logger);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Connecting to Redis at {Endpoint}")]
    internal static partial void Connecting(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Connection to Redis at {Endpoint} failed ({FailureType}); it is retried in the background")]
    internal static partial void ConnectionFailed(ILogger logger, string endpoint, string failureType);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Connection to Redis at {Endpoint} restored")]
    internal static partial void ConnectionRestored(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "The channel prefix of the application's connection to {Endpoint} could not be read from its configuration; scripts publish without one, so with a ChannelPrefix set, wake-ups and invalidations are not heard")]
    internal static partial void ChannelPrefixUnknown(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Task store pruned {Count} expired entries from its indexes")]
    internal static partial void TasksPruned(ILogger logger, long count);

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "A distributed lock was lost: {Reason}")]
    internal static partial void LockLost(ILogger logger, string reason);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Renewing a distributed lock failed; retrying while its lease runs: {Error}")]
    internal static partial void LockRenewalFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Releasing a distributed lock failed; it frees itself when its lease runs out: {Error}")]
    internal static partial void LockReleaseFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "Lock release notifications are unavailable; waiters poll instead: {Error}")]
    internal static partial void LockNotificationsUnavailable(ILogger logger, string error);

    [LoggerMessage(EventId = 34, Level = LogLevel.Warning, Message = "A callback registered on a lock's HandleLostToken threw; the lock service goes on")]
    internal static partial void LockLostCallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 35, Level = LogLevel.Error, Message = "A lock's scheduled renewal or lease check failed; it is scheduled again and the other locks go on")]
    internal static partial void LockScheduleFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "The cache cannot reach Redis; it answers from memory, misses, and runs factories until Redis is back: {Error}")]
    internal static partial void CacheRedisUnavailable(ILogger logger, string error);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "The cache reaches Redis again")]
    internal static partial void CacheRedisRecovered(ILogger logger);

    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "A cache factory failed; the expired fail-safe value was returned instead: {Error}")]
    internal static partial void CacheFailSafeUsed(ILogger logger, string error);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "A cache factory made a value of {Length} bytes, over the limit of {Limit}; it was returned but not cached")]
    internal static partial void CacheValueNotCached(ILogger logger, int length, int limit);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Subscribing to cache invalidations failed; it is retried with the next call: {Error}")]
    internal static partial void CacheSubscriptionFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 45, Level = LogLevel.Warning, Message = "Cache invalidation messages are interrupted ({FailureType}); the memory cache is cleared when the connection is restored")]
    internal static partial void CacheInvalidationsInterrupted(ILogger logger, string failureType);

    [LoggerMessage(EventId = 46, Level = LogLevel.Information, Message = "Cache invalidation messages flow again; the memory cache was cleared and fills again")]
    internal static partial void CacheInvalidationsResumed(ILogger logger);

    [LoggerMessage(EventId = 47, Level = LogLevel.Debug, Message = "A cache call could not reach Redis: {Error}")]
    internal static partial void CacheRedisCallFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "A message handler of subscription {Topic} failed on message {MessageId}; the subscription goes on")]
    internal static partial void HandlerFailed(ILogger logger, string topic, string messageId, Exception exception);

    [LoggerMessage(EventId = 51, Level = LogLevel.Warning, Message = "A message on {Topic} could not be read as {Type} and was dropped: {Error}")]
    internal static partial void MessageUnreadable(ILogger logger, string topic, string type, string error);

    [LoggerMessage(EventId = 52, Level = LogLevel.Warning, Message = "The buffer of subscription {Topic} is full ({Size} messages): its handler is slower than the messages arrive, and messages are dropped ({Overflow})")]
    internal static partial void BufferOverflowed(ILogger logger, string topic, int size, string overflow);

    [LoggerMessage(EventId = 53, Level = LogLevel.Debug, Message = "Unsubscribing {Topic} could not reach Redis; the subscription is dropped locally: {Error}")]
    internal static partial void UnsubscribeFailed(ILogger logger, string topic, string error);

    [LoggerMessage(EventId = 54, Level = LogLevel.Warning, Message = "Reading durable topic {Topic} failed; it is tried again shortly, from the same position: {Error}")]
    internal static partial void DurableReadFailed(ILogger logger, string topic, string error);

    [LoggerMessage(EventId = 55, Level = LogLevel.Warning, Message = "A change could not be announced on topic {Topic}; the change itself stands: {Error}")]
    internal static partial void AnnounceFailed(ILogger logger, string topic, string error);
}
