namespace RedisStores.Tasks;

/// <summary>A task's stored result, read back as <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The type the result was read as.</typeparam>
public sealed record TaskResult<TResult>
{
    /// <summary>The task's (final) status when the result was read.</summary>
    public required TaskState Status { get; init; }

    /// <summary>The task's status message, or <see langword="null"/>.</summary>
    public string? StatusMessage { get; init; }

    /// <summary>The result.</summary>
    public required TResult Value { get; init; }
}
