namespace RedisStores.Workers;

/// <summary>
/// Durable state of background work, shared by every instance of a service, in three parts:
/// <list type="bullet">
/// <item><b>The execution journal.</b> An execution records the result of each step as it completes, so a re-run after
/// a crash skips the steps already done and uses their stored results.</item>
/// <item><b>Work queues.</b> Named queues of jobs with priorities, delays, deduplication, leases that run out when a
/// worker dies, retries with exponential backoff, dead letters and replay. Delivery is at least once: a job leaves its
/// queue only when acked, dead-lettered past its attempts, dropped by its own TTL, or purged.</item>
/// <item><b>The worker registry.</b> Workers send heartbeats; the registry lists the live ones and the jobs each holds.</item>
/// </list>
/// Take it from DI after <c>services.AddRedisStores()</c>; it is Redis-backed when a Redis URL is configured, in memory
/// otherwise, and behaves the same either way.
/// </summary>
/// <remarks>
/// Execution ids, step names, queue names, job ids and worker ids are 1 to 256 ASCII letters, digits or
/// <c>- _ . @ + = ~ /</c>; anything else is refused with an <see cref="ArgumentException"/>. On Redis every
/// single-execution and single-job operation is one round trip, and every queue lives in one hash slot, so a queue
/// works on Redis Cluster. An execution, its steps and their results share one expiry
/// (<see cref="WorkerStoreOptions.ExecutionTtl"/>, none by default). Redis failures surface as
/// <see cref="StoreUnavailableException"/>. Cancelling a call stops the wait; a command already sent to Redis may still
/// be applied.
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

    /// <summary>Adds a job to a queue.</summary>
    /// <typeparam name="T">The payload type; anything the configured serializer can write.</typeparam>
    /// <param name="queue">The queue's name; a queue exists while it holds jobs.</param>
    /// <param name="payload">The job's payload.</param>
    /// <param name="options">Priority, delay, dedup key, attempts and TTL; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The job's id, or the id of the job already enqueued with the same dedup key.</returns>
    /// <exception cref="ArgumentException">The queue name or an option is not acceptable, or the payload is larger than <see cref="WorkerStoreOptions.MaxPayloadBytes"/>.</exception>
    /// <exception cref="QueueFullException">The queue is at <see cref="WorkerStoreOptions.MaxQueueLength"/>.</exception>
    /// <exception cref="StoreSerializationException">The payload cannot be serialized.</exception>
    ValueTask<EnqueueResult> EnqueueAsync<T>(string queue, T payload, EnqueueOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Adds several jobs to a queue at once: one round trip on Redis, and all or nothing.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="queue">The queue's name.</param>
    /// <param name="jobs">The jobs, 1 to 10,000, with at most 64 MiB of payloads in all; they are enqueued in this order.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>One result per job, in the order given. A batch holding one dedup key twice enqueues the first and reports the second as its duplicate.</returns>
    /// <exception cref="ArgumentException">As for <see cref="EnqueueAsync"/>, for any job; nothing is enqueued then.</exception>
    /// <exception cref="QueueFullException">The batch would take the queue past <see cref="WorkerStoreOptions.MaxQueueLength"/>; nothing is enqueued.</exception>
    /// <exception cref="StoreSerializationException">A payload cannot be serialized; nothing is enqueued.</exception>
    ValueTask<IReadOnlyList<EnqueueResult>> EnqueueManyAsync<T>(string queue, IEnumerable<JobRequest<T>> jobs, CancellationToken cancellationToken = default);

    /// <summary>
    /// Leases the next job of a queue, if one is ready: the highest priority first, and within a priority the one
    /// enqueued first. Scheduled jobs that have come due and jobs whose lease ran out are made ready first.
    /// </summary>
    /// <typeparam name="T">The type to read the payload as.</typeparam>
    /// <param name="queue">The queue's name.</param>
    /// <param name="options">The visibility timeout and the worker id; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The lease, or <see langword="null"/> when no job is ready.</returns>
    /// <exception cref="StoreSerializationException">
    /// The payload cannot be read as <typeparamref name="T"/>. The job stays leased (under the worker id, if one was
    /// given) and comes back when the lease runs out, so after its attempts it lands in the dead letters, where it can
    /// be inspected with <see cref="JobRecord.GetPayload{T}"/>.
    /// </exception>
    ValueTask<JobLease<T>?> LeaseAsync<T>(string queue, LeaseOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Leases the next job of a queue, waiting up to <paramref name="timeout"/> for one. A waiting worker is woken by
    /// an enqueue (on Redis, by a pub/sub message sent only while someone waits) or when a scheduled job comes due; it
    /// does not poll the store in between.
    /// </summary>
    /// <typeparam name="T">The type to read the payload as.</typeparam>
    /// <param name="queue">The queue's name.</param>
    /// <param name="timeout">How long to wait: 0 to 1 day, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <param name="options">The visibility timeout and the worker id; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The lease, or <see langword="null"/> when no job became ready in time.</returns>
    /// <exception cref="ArgumentException">The queue name, the timeout or an option is not acceptable.</exception>
    /// <exception cref="StoreSerializationException">The payload cannot be read as <typeparamref name="T"/>; see <see cref="LeaseAsync"/>.</exception>
    /// <exception cref="StoreUnavailableException">Redis cannot be reached, to ask or to subscribe for wake-ups.</exception>
    ValueTask<JobLease<T>?> WaitAndLeaseAsync<T>(string queue, TimeSpan timeout, LeaseOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Completes a leased job: it leaves the queue.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="lease">The lease.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>A task that completes when the job is gone.</returns>
    /// <exception cref="LeaseLostException">The lease is no longer held.</exception>
    ValueTask AckAsync<T>(JobLease<T> lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes a leased job, as <see cref="AckAsync"/> does, and leases the next job of the same queue, as
    /// <see cref="LeaseAsync"/> does, in one step: on Redis one script and one round trip instead of two. A worker
    /// that has just finished a job calls this instead of acking and then leasing.
    /// </summary>
    /// <typeparam name="T">The payload type, of the completed job and of the next.</typeparam>
    /// <param name="lease">The lease of the job that is done.</param>
    /// <param name="options">The visibility timeout and the worker id of the next lease; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The next lease, or <see langword="null"/> when no job is ready (the ack stands either way).</returns>
    /// <exception cref="LeaseLostException">The lease is no longer held. Nothing was acked and no job was leased.</exception>
    /// <exception cref="ArgumentException">The lease or an option is not acceptable; nothing was acked.</exception>
    /// <exception cref="StoreSerializationException">
    /// The next job's payload cannot be read as <typeparamref name="T"/>. The ack stands, and the next job stays
    /// leased, as with <see cref="LeaseAsync"/>.
    /// </exception>
    /// <exception cref="StoreDataException">The next ready job holds data this store did not write. The ack stands; that job is left where it was.</exception>
    ValueTask<JobLease<T>?> AckAndLeaseNextAsync<T>(JobLease<T> lease, LeaseOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reports a leased job failed. It is retried after a backoff (<see cref="WorkerStoreOptions.RetryBaseDelay"/>,
    /// doubling per attempt up to <see cref="WorkerStoreOptions.RetryMaxDelay"/>), or dead-lettered when this was its
    /// last attempt.
    /// </summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="lease">The lease.</param>
    /// <param name="errorMessage">What went wrong; cut to 16,384 characters.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>Whether the job will be retried, and when.</returns>
    /// <exception cref="LeaseLostException">The lease is no longer held.</exception>
    ValueTask<JobFailure> FailAsync<T>(JobLease<T> lease, string errorMessage, CancellationToken cancellationToken = default);

    /// <summary>Sends a leased job straight to the dead letters, without retrying: for work that can never succeed.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="lease">The lease.</param>
    /// <param name="errorMessage">Why; cut to 16,384 characters.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>A task that completes when the job is dead.</returns>
    /// <exception cref="LeaseLostException">The lease is no longer held.</exception>
    ValueTask DeadLetterAsync<T>(JobLease<T> lease, string errorMessage, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease, so long work is not handed to another worker.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="lease">The lease.</param>
    /// <param name="visibilityTimeout">The new lease, from now; <see langword="null"/> for <see cref="WorkerStoreOptions.VisibilityTimeout"/>.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The lease with its new <see cref="JobLease{T}.ExpiresAt"/>; the old object stays valid too.</returns>
    /// <exception cref="LeaseLostException">The lease is no longer held.</exception>
    ValueTask<JobLease<T>> ExtendLeaseAsync<T>(JobLease<T> lease, TimeSpan? visibilityTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts a queue's jobs in each state, after taking back due work (scheduled jobs that came due, leases that ran
    /// out, jobs past their TTL) as a lease would. On Redis this is one script.
    /// </summary>
    /// <param name="queue">The queue's name.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The counts; all zero for a queue that holds nothing.</returns>
    ValueTask<QueueCounts> GetCountsAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>Reads the job a lease would take next, without leasing it.</summary>
    /// <param name="queue">The queue's name.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The job, or <see langword="null"/> when none is ready.</returns>
    ValueTask<JobRecord?> PeekAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>Reads one job.</summary>
    /// <param name="queue">The queue's name.</param>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The job, or <see langword="null"/> when the queue does not hold it (never enqueued, acked, dropped or purged).</returns>
    ValueTask<JobRecord?> GetJobAsync(string queue, string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists a queue's jobs in one state, a page at a time: ready jobs in lease order, scheduled jobs by due time,
    /// leased jobs by lease expiry, dead jobs by time of death (oldest first).
    /// </summary>
    /// <param name="queue">The queue's name.</param>
    /// <param name="state">The state to list.</param>
    /// <param name="query">The page size and cursor; <see langword="null"/> reads the first 100.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>A page of jobs and the cursor of the next page.</returns>
    /// <exception cref="ArgumentException">The page size is out of range, or the cursor was not made by a listing of this queue and state.</exception>
    ValueTask<JobPage> ListJobsAsync(string queue, JobState state, JobQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Moves a dead job back to ready, with its attempts reset, so it is leased again.</summary>
    /// <param name="queue">The queue's name.</param>
    /// <param name="jobId">The dead job's id.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns><see langword="true"/> when it was replayed; <see langword="false"/> when the queue holds no dead job with this id.</returns>
    ValueTask<bool> ReplayDeadAsync(string queue, string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every job of a queue, in every state, with their dedup keys. Workers holding a lease get
    /// <see cref="LeaseLostException"/> when they ack.
    /// </summary>
    /// <param name="queue">The queue's name.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>How many jobs were deleted.</returns>
    ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers a worker, or renews its registration: it stays listed for <see cref="WorkerStoreOptions.HeartbeatTtl"/>
    /// after this call.
    /// </summary>
    /// <param name="workerId">The worker's id, unique among live workers.</param>
    /// <param name="heartbeat">The queues it serves and its metadata; <see langword="null"/> for none. Replaces what the last heartbeat said.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>A task that completes when the heartbeat is recorded.</returns>
    ValueTask HeartbeatAsync(string workerId, WorkerHeartbeat? heartbeat = null, CancellationToken cancellationToken = default);

    /// <summary>Lists the live workers, by id, with the jobs each holds in the queues it serves.</summary>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>Every worker whose last heartbeat has not run out.</returns>
    ValueTask<IReadOnlyList<WorkerRecord>> ListWorkersAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes a worker from the registry, as a worker shutting down does. Its leases are not touched.</summary>
    /// <param name="workerId">The worker's id.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns><see langword="true"/> when it was registered.</returns>
    ValueTask<bool> RemoveWorkerAsync(string workerId, CancellationToken cancellationToken = default);
}
