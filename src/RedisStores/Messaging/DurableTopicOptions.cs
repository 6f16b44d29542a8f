namespace RedisStores.Messaging;

/// <summary>
/// Makes a topic durable (<see cref="MessagingOptions.DurableTopics"/>): its messages are also kept, on Redis in a
/// stream, so subscribers can read history and resume after a disconnect with nothing lost.
/// </summary>
public sealed class DurableTopicOptions
{
    /// <summary>The most messages kept; older ones are trimmed as new ones arrive. Default: 10,000. Range: 1 to 10,000,000.</summary>
    public int MaxLength { get; set; } = 10_000;

    /// <summary>How long messages are kept at most. Default: 1 day. Range: 1 second to 365 days.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(1);
}
