namespace RedisStores.Workers;

/// <summary>What <see cref="IWorkerStore.CompleteStepAsync"/> did.</summary>
/// <typeparam name="T">The result's type.</typeparam>
public sealed record StepCompletion<T>
{
    /// <summary>
    /// <see langword="true"/> when this call's result was recorded; <see langword="false"/> when the step already had
    /// one, which <see cref="Result"/> then holds.
    /// </summary>
    public required bool Recorded { get; init; }

    /// <summary>The step's result as stored: use it rather than the value passed in, so every worker agrees.</summary>
    public required T Result { get; init; }
}
