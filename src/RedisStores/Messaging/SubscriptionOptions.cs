namespace RedisStores.Messaging;

/// <summary>How a subscription buffers and filters.</summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class SubscriptionOptions<T>
{
    /// <summary>Messages for which this returns <see langword="false"/> are dropped before the handler. Default: none.</summary>
    public Func<BusMessage<T>, bool>? Filter { get; set; }

    /// <summary>How many messages may wait for the handler. Default: <see langword="null"/> (<see cref="MessagingOptions.BufferSize"/>). Range: 1 to 1,000,000.</summary>
    public int? BufferSize { get; set; }

    /// <summary>
    /// What to do when the buffer is full. Default: <see cref="BufferOverflow.DropOldest"/>. A subscription to a durable
    /// topic never drops: it stops reading until its handler catches up, and reads on from where it was.
    /// </summary>
    public BufferOverflow Overflow { get; set; }

    /// <summary>
    /// For a durable topic only: the id of the last message already handled, so the subscription starts right after
    /// it (everything kept since is delivered first, in order); <c>"0"</c> starts at the oldest message kept.
    /// Default: <see langword="null"/> (only messages published from now on).
    /// </summary>
    public string? After { get; set; }
}
