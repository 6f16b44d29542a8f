namespace RedisStores.Tasks;

/// <summary>
/// State of long-running tasks, shared by every instance of a service: status, result, expiry, listing and counts.
/// Take it from DI after <c>services.AddRedisStores()</c>; it is Redis-backed when a Redis URL is configured,
/// in memory otherwise, and behaves the same either way. See <c>docs/tasks.md</c>.
/// </summary>
/// <remarks>
/// Ids are 1 to 256 ASCII letters, digits or <c>- _ . @ + = ~ /</c>; anything else is refused with an
/// <see cref="ArgumentException"/>. On Redis, every single-task operation is one round trip, and listing and
/// counting cost in proportion to this store's tasks, never to the rest of the keyspace. Redis failures surface as
/// <see cref="StoreUnavailableException"/>. Cancelling a call stops the wait; a command already sent to Redis may
/// still be applied.
/// </remarks>
public interface ITaskStore
{
    /// <summary>Creates a task.</summary>
    /// <param name="request">The id, TTL, poll interval and first status; <see langword="null"/> takes every default.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The new task.</returns>
    /// <exception cref="EntityAlreadyExistsException">The given id belongs to a live task.</exception>
    /// <exception cref="StoreDataException">The task's key holds data this store did not write.</exception>
    /// <exception cref="ArgumentException">The id, TTL, poll interval, status or message is not acceptable.</exception>
    ValueTask<TaskRecord> CreateAsync(CreateTaskRequest? request = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a task.</summary>
    /// <param name="taskId">The task's id.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The task, or <see langword="null"/> when no such task exists or it has expired.</returns>
    /// <exception cref="StoreDataException">The key holds data this store did not write.</exception>
    ValueTask<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Changes a task's status and message.</summary>
    /// <param name="taskId">The task's id.</param>
    /// <param name="status">The new status.</param>
    /// <param name="statusMessage">The new message; <see langword="null"/> or empty clears it.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The task as it is now.</returns>
    /// <exception cref="EntityNotFoundException">No such task exists, or it has expired.</exception>
    /// <exception cref="InvalidTaskTransitionException">The task's status is already final.</exception>
    ValueTask<TaskRecord> UpdateStatusAsync(string taskId, TaskState status, string? statusMessage = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a task's result and moves it to a final status in one step. The result lives as long as the task.
    /// </summary>
    /// <typeparam name="TResult">Any type the configured serializer (System.Text.Json by default) can write.</typeparam>
    /// <param name="taskId">The task's id.</param>
    /// <param name="result">The result.</param>
    /// <param name="status">The final status: <see cref="TaskState.Completed"/> (default), <see cref="TaskState.Failed"/> or <see cref="TaskState.Cancelled"/>.</param>
    /// <param name="statusMessage">An optional final message.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The task as it is now.</returns>
    /// <exception cref="StoreSerializationException">The result cannot be serialized.</exception>
    /// <exception cref="ArgumentException">The status is not final, or the result is larger than <see cref="TaskStoreOptions.MaxResultBytes"/>.</exception>
    /// <exception cref="EntityNotFoundException">No such task exists, or it has expired.</exception>
    /// <exception cref="InvalidTaskTransitionException">The task's status is already final (its result is already stored).</exception>
    ValueTask<TaskRecord> SetResultAsync<TResult>(string taskId, TResult result, TaskState status = TaskState.Completed, string? statusMessage = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a task's result as <typeparamref name="TResult"/>.</summary>
    /// <typeparam name="TResult">The type to read the result as.</typeparam>
    /// <param name="taskId">The task's id.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The result, or <see langword="null"/> when no such task exists, it has expired, or it has no result yet.</returns>
    /// <exception cref="StoreSerializationException">The stored result cannot be read as <typeparamref name="TResult"/>.</exception>
    ValueTask<TaskResult<TResult>?> GetResultAsync<TResult>(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a task and its result.</summary>
    /// <param name="taskId">The task's id.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns><see langword="true"/> when a task was deleted; <see langword="false"/> when there was none.</returns>
    /// <exception cref="StoreDataException">The task's key holds data this store did not write; it is left alone.</exception>
    ValueTask<bool> DeleteAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Lists live tasks, newest first, a page at a time, optionally of one status.</summary>
    /// <param name="query">The status filter, page size and cursor; <see langword="null"/> reads the first 100 of every status.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>A page of tasks and the cursor of the next page.</returns>
    /// <exception cref="ArgumentException">The page size is out of range, or the cursor was not made by this store.</exception>
    ValueTask<TaskPage> ListAsync(TaskQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts live tasks by status. The counts are kept as data, so this does not read every task. It is one round
    /// trip, plus one more per 1,000 expired tasks still waiting to be dropped from the indexes.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The count in each status.</returns>
    ValueTask<TaskStats> GetStatsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until a task reaches a final status (completed, failed or cancelled), or the time is up. It is woken by
    /// the store's status-change notification (<see cref="Messaging.StoreTopics.TaskStatus"/>), not by polling; on
    /// Redis a read every 5 seconds covers a notification lost while the connection was down.
    /// </summary>
    /// <param name="taskId">The task's id.</param>
    /// <param name="timeout">How long to wait: 0 to 1 day, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The task: final, or as it was when the time was up (check <see cref="TaskRecord.Status"/>).</returns>
    /// <exception cref="EntityNotFoundException">No such task exists, or it expired or was deleted while waited on.</exception>
    /// <exception cref="ArgumentException">The id or the timeout is not acceptable.</exception>
    ValueTask<TaskRecord> WaitForCompletionAsync(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default);
}
