namespace RedisStores.Messaging;

/// <summary>How a subscription buffers and filters.</summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class SubscriptionOptions<T>
{
    /// <summary>Messages for which this returns <see langword="false"/> are dropped before the handler. Default: none.</summary>
    public Func<BusMessage<T>, bool>? Filter { get; set; }

    /// <summary>How many messages may wait for the handler. Default: <see langword="null"/> (<see cref="MessagingOptions.BufferSize"/>). Range: 1 to 1,000,000.</summary>
    public int? BufferSize { get; set; }

    /// <summary>What to do when the buffer is full. Default: <see cref="BufferOverflow.DropOldest"/>.</summary>
    public BufferOverflow Overflow { get; set; }
}
