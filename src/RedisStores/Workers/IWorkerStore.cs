namespace RedisStores.Workers;

/// <summary>
/// Durable state of background work, shared by every instance of a service. For now the execution journal: an
/// execution records the result of each step as it completes, so a re-run after a crash skips the steps already done
/// and uses their stored results. Take it from DI after <c>services.AddRedisStores()</c>; it is Redis-backed when a
/// Redis URL is configured, in memory otherwise, and behaves the same either way.
/// </summary>
/// <remarks>
/// Execution ids and step names are 1 to 256 ASCII letters, digits or <c>- _ . @ + = ~ /</c>; anything else is
/// refused with an <see cref="ArgumentException"/>. On Redis every single-execution operation is one round trip.
/// An execution, its steps and their results share one expiry (<see cref="WorkerStoreOptions.ExecutionTtl"/>,
/// none by default). Redis failures surface as <see cref="StoreUnavailableException"/>. Cancelling a call stops the
/// wait; a command already sent to Redis may still be applied.
/// </remarks>
public interface IWorkerStore
{
    /// <summary>
    /// Starts an execution, or returns the one that already has this id: a worker re-running after a crash calls
    /// this again and carries on. A finished execution is returned as it is, not restarted.
    /// </summary>
    /// <param name="executionId">The execution's id.</param>
    /// <param name="options">Its TTL; <see langword="null"/> takes <see cref="WorkerStoreOptions.ExecutionTtl"/>. Ignored when the execution exists.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The execution: new, or as it already was.</returns>
    /// <exception cref="ArgumentException">The id or TTL is not acceptable.</exception>
    /// <exception cref="StoreDataException">The execution's key holds data this store did not write.</exception>
    ValueTask<ExecutionRecord> StartExecutionAsync(string executionId, ExecutionOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Marks a step as started, unless it has already completed.</summary>
    /// <param name="executionId">The execution's id.</param>
    /// <param name="stepName">The step's name.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns><see langword="true"/> when the step should run; <see langword="false"/> when it has completed (read its result instead).</returns>
    /// <exception cref="EntityNotFoundException">No such execution exists, or it has expired.</exception>
    ValueTask<bool> StartStepAsync(string executionId, string stepName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a step's result. The first result recorded wins, atomically: a later call (a second worker, a
    /// re-run) records nothing and gets the stored result back.
    /// </summary>
    /// <typeparam name="T">Any type the configured serializer (System.Text.Json by default) can write and read.</typeparam>
    /// <param name="executionId">The execution's id.</param>
    /// <param name="stepName">The step's name; it need not have been started.</param>
    /// <param name="result">The result.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>Whether this result was recorded, and the stored result either way.</returns>
    /// <exception cref="EntityNotFoundException">No such execution exists, or it has expired.</exception>
    /// <exception cref="ArgumentException">The result is larger than <see cref="WorkerStoreOptions.MaxPayloadBytes"/>.</exception>
    /// <exception cref="StoreSerializationException">The result cannot be serialized, or the stored one cannot be read as <typeparamref name="T"/>.</exception>
    ValueTask<StepCompletion<T>> CompleteStepAsync<T>(string executionId, string stepName, T result, CancellationToken cancellationToken = default);

    /// <summary>Reads a step's result.</summary>
    /// <typeparam name="T">The type to read the result as.</typeparam>
    /// <param name="executionId">The execution's id.</param>
    /// <param name="stepName">The step's name.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The result, or <see langword="null"/> when the step has not completed.</returns>
    /// <exception cref="EntityNotFoundException">No such execution exists, or it has expired.</exception>
    /// <exception cref="StoreSerializationException">The stored result cannot be read as <typeparamref name="T"/>.</exception>
    ValueTask<StepResult<T>?> GetStepResultAsync<T>(string executionId, string stepName, CancellationToken cancellationToken = default);

    /// <summary>Lists an execution's steps, in the order they started (ties by name).</summary>
    /// <param name="executionId">The execution's id.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>Every step started or completed so far.</returns>
    /// <exception cref="EntityNotFoundException">No such execution exists, or it has expired.</exception>
    ValueTask<IReadOnlyList<StepRecord>> ListStepsAsync(string executionId, CancellationToken cancellationToken = default);

    /// <summary>Marks an active execution completed; it leaves the active listing. Its steps stay readable until it expires.</summary>
    /// <param name="executionId">The execution's id.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns><see langword="true"/> when it was active; <see langword="false"/> when it had already finished.</returns>
    /// <exception cref="EntityNotFoundException">No such execution exists, or it has expired.</exception>
    ValueTask<bool> CompleteExecutionAsync(string executionId, CancellationToken cancellationToken = default);

    /// <summary>Marks an active execution failed, with an error; it leaves the active listing.</summary>
    /// <param name="executionId">The execution's id.</param>
    /// <param name="errorMessage">What went wrong; cut to 16,384 characters.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns><see langword="true"/> when it was active; <see langword="false"/> when it had already finished.</returns>
    /// <exception cref="EntityNotFoundException">No such execution exists, or it has expired.</exception>
    ValueTask<bool> FailExecutionAsync(string executionId, string errorMessage, CancellationToken cancellationToken = default);

    /// <summary>Reads an execution.</summary>
    /// <param name="executionId">The execution's id.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The execution, or <see langword="null"/> when none exists or it has expired.</returns>
    ValueTask<ExecutionRecord?> GetExecutionAsync(string executionId, CancellationToken cancellationToken = default);

    /// <summary>Lists active executions, newest start first, a page at a time.</summary>
    /// <param name="query">The page size and cursor; <see langword="null"/> reads the first 100.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>A page of executions and the cursor of the next page.</returns>
    /// <exception cref="ArgumentException">The page size is out of range, or the cursor was not made by this store.</exception>
    ValueTask<ExecutionPage> ListActiveExecutionsAsync(ExecutionQuery? query = null, CancellationToken cancellationToken = default);
}
