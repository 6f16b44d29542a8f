namespace RedisStores.Workers;

/// <summary>Where an execution stands.</summary>
public enum ExecutionState
{
    /// <summary>Started and not yet finished: steps can be recorded, and it appears in the active listing.</summary>
    Active,

    /// <summary>Finished by <see cref="IWorkerStore.CompleteExecutionAsync"/>.</summary>
    Completed,

    /// <summary>Finished by <see cref="IWorkerStore.FailExecutionAsync"/>, with an error.</summary>
    Failed,
}
