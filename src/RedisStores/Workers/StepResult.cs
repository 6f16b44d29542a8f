namespace RedisStores.Workers;

/// <summary>A completed step's stored result.</summary>
/// <typeparam name="T">The type the result was read as.</typeparam>
public sealed record StepResult<T>
{
    /// <summary>The result.</summary>
    public required T Value { get; init; }

    /// <summary>When the step completed (by the store's clock).</summary>
    public required DateTimeOffset CompletedAt { get; init; }
}
