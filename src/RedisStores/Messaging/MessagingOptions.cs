namespace RedisStores.Messaging;

/// <summary>Settings of the message bus, under <c>RedisStores:Messaging</c>.</summary>
public sealed class MessagingOptions
{
    /// <summary>How many messages a subscription buffers for its handler by default. Default: 1,000. Range: 1 to 1,000,000.</summary>
    public int BufferSize { get; set; } = 1000;

    /// <summary>The largest serialized message accepted, in bytes. Default: 1 MiB. Range: 1 byte to 256 MiB.</summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The durable topics, by exact name, and how much of each is kept. Messages of a durable topic are also appended
    /// to a stream, so a subscriber can read history (<see cref="IMessageBus.ReadHistoryAsync"/>) and resume after a
    /// disconnect from its last position (<see cref="SubscriptionOptions{T}.After"/>) with nothing lost. Every other
    /// topic is at most once. Default: none.
    /// </summary>
    public Dictionary<string, DurableTopicOptions> DurableTopics { get; set; } = new(StringComparer.Ordinal);
}
