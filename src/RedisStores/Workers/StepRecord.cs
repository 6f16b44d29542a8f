namespace RedisStores.Workers;

/// <summary>One step of an execution, as <see cref="IWorkerStore.ListStepsAsync"/> reads it.</summary>
public sealed class StepRecord
{
    private readonly WorkerInputs _inputs;
    private readonly string _executionId;
    private readonly byte[]? _result;

    internal StepRecord(WorkerInputs inputs, string executionId, string name, DateTimeOffset startedAt, DateTimeOffset? completedAt, byte[]? result)
    {
        _inputs = inputs;
        _executionId = executionId;
        _result = result;
        Name = name;
        StartedAt = startedAt;
        CompletedAt = completedAt;
    }

    /// <summary>The step's name.</summary>
    public string Name { get; }

    /// <summary>Whether the step is in progress or completed.</summary>
    public StepState State => _result is null ? StepState.InProgress : StepState.Completed;

    /// <summary>When the step was last started; for a step completed without being started, when it completed.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>When the step completed; <see langword="null"/> while in progress.</summary>
    public DateTimeOffset? CompletedAt { get; }

    /// <summary>Reads the step's result as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The type to read the result as.</typeparam>
    /// <returns>The result.</returns>
    /// <exception cref="InvalidOperationException">The step is not completed; check <see cref="State"/> first.</exception>
    /// <exception cref="StoreSerializationException">The stored result cannot be read as <typeparamref name="T"/>.</exception>
    public T GetResult<T>()
        => _result is null
            ? throw new InvalidOperationException($"Step '{Name}' of execution '{_executionId}' has no result yet; check State before reading it.")
            : _inputs.Deserialize<T>(_executionId, Name, _result);
}
