using Microsoft.Extensions.Logging;
using RedisStores.Internal;
using RedisStores.Redis;

namespace RedisStores.Messaging;

/// <summary>
/// How the in-memory stores announce a change on the in-memory bus: after the change is applied, so nothing the bus
/// does (a message over its size limit, a serializer failure) may reach the caller, whose change stands.
/// </summary>
internal static class Announcer
{
    internal static void Announce<T>(IMessageBus? bus, string topic, T change, ILogger? logger = null)
    {
        if (bus is null)
        {
            return;
        }

        try
        {
            RedisCall.Observe(bus.PublishAsync(topic, change).AsTask());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (logger is not null)
            {
                Log.AnnounceFailed(logger, topic, ex.Message);
            }
        }
    }
}
