namespace RedisStores.Workers;

/// <summary>Where a step of an execution stands.</summary>
public enum StepState
{
    /// <summary>Started and without a result yet (or its worker stopped before recording one).</summary>
    InProgress,

    /// <summary>Its result is recorded; a re-run of the execution should skip it and use that result.</summary>
    Completed,
}
