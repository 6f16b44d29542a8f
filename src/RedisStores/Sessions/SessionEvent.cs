namespace RedisStores.Sessions;

/// <summary>One event of a session's log.</summary>
/// <typeparam name="T">The type the event was read as.</typeparam>
public sealed record SessionEvent<T>
{
    /// <summary>The event's sequence number in its session: 1 for the first, rising by one with each.</summary>
    public required long Sequence { get; init; }

    /// <summary>When the event was appended.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The event.</summary>
    public required T Data { get; init; }
}
