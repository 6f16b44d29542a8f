namespace RedisStores.Messaging;

/// <summary>A message as a subscriber receives it.</summary>
/// <typeparam name="T">The payload type.</typeparam>
public sealed class BusMessage<T>
{
    /// <summary>The message's id, unique per publish: use it to tell repeats apart.</summary>
    public required string Id { get; init; }

    /// <summary>The topic it was published to (for a pattern subscription, the matching topic).</summary>
    public required string Topic { get; init; }

    /// <summary>When it was published, by the publisher's clock.</summary>
    public required DateTimeOffset PublishedAt { get; init; }

    /// <summary>The payload.</summary>
    public required T Payload { get; init; }
}
