namespace RedisStores.Messaging;

/// <summary>What a subscription does with a message that arrives while its buffer is full.</summary>
public enum BufferOverflow
{
    /// <summary>Drop the oldest buffered message to make room: the handler sees the newest messages. The default.</summary>
    DropOldest,

    /// <summary>Drop the arriving message: the handler sees the oldest messages.</summary>
    DropNewest,
}
