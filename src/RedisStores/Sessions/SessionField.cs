namespace RedisStores.Sessions;

/// <summary>One field of a session, and the session's version when it was read.</summary>
/// <typeparam name="T">The type the field was read as.</typeparam>
public sealed record SessionField<T>
{
    /// <summary>The field's value.</summary>
    public required T Value { get; init; }

    /// <summary>The session's version.</summary>
    public required long Version { get; init; }
}
