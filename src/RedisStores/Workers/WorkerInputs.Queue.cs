using RedisStores.Internal;

namespace RedisStores.Workers;

internal sealed partial class WorkerInputs
{
    internal const string QueueKind = "queue";
    internal const string JobKind = "job";
    internal const string WorkerKind = "worker";
    internal const int MaxAttemptsLimit = 1000;
    internal const int MaxBatch = 10_000;

    /// <summary>The most payload bytes one batch may carry (or one payload, when <see cref="WorkerStoreOptions.MaxPayloadBytes"/> is larger): one script's arguments travel as one request.</summary>
    internal const long MaxBatchBytes = 64L * 1024 * 1024;
    internal const int MaxDedupKeyLength = 512;
    internal const int MaxHeartbeatQueues = 64;
    internal const int MaxMetadataEntries = 64;
    internal const int MaxMetadataValueLength = 1024;
    internal const long MaxQueueLengthLimit = 1L << 40;

    internal static readonly TimeSpan MinVisibility = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaxVisibility = TimeSpan.FromDays(1);
    internal static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    internal WorkerStoreOptions Options => _options;

    internal static void ValidateQueue(string queue) => StoreId.Validate(queue, nameof(queue), QueueKind);

    internal static void ValidateJob(string queue, string jobId)
    {
        ValidateQueue(queue);
        StoreId.Validate(jobId, nameof(jobId), JobKind);
    }

    internal static void ValidateWorker(string workerId) => StoreId.Validate(workerId, nameof(workerId), WorkerKind);

    /// <summary>Checks and serializes one job; <paramref name="nowMs"/> turns <see cref="EnqueueOptions.RunAt"/> into a delay.</summary>
    internal PreparedJob Prepare<T>(string queue, T payload, EnqueueOptions? options, long nowMs, string paramName)
    {
        long delayMs = 0;
        var priority = 0;
        string? dedupKey = null;
        var dedupWindow = _options.DedupWindow;
        var maxAttempts = _options.MaxAttempts;
        var ttl = _options.JobTtl;
        if (options is not null)
        {
            priority = options.Priority;
            if (priority is < 0 or > EnqueueOptions.MaxPriority)
            {
                throw new ArgumentOutOfRangeException(paramName, priority, $"Priority must be between 0 and {EnqueueOptions.MaxPriority}.");
            }

            if (options.Delay is not null && options.RunAt is not null)
            {
                throw new ArgumentException("Set Delay or RunAt, not both.", paramName);
            }

            if (options.Delay is { } delay)
            {
                if (delay < TimeSpan.Zero || delay > MaxTtl)
                {
                    throw new ArgumentOutOfRangeException(paramName, delay, $"Delay must be between 0 and {MaxTtl}.");
                }

                delayMs = (long)Math.Ceiling(delay.TotalMilliseconds);
            }
            else if (options.RunAt is { } runAt)
            {
                // Turned into a delay by this clock; on Redis the delay then runs on the server's clock.
                delayMs = Math.Max(runAt.ToUnixTimeMilliseconds() - nowMs, 0);
                if (delayMs > (long)MaxTtl.TotalMilliseconds)
                {
                    throw new ArgumentOutOfRangeException(paramName, runAt, $"RunAt must be at most {MaxTtl.TotalDays:0} days ahead.");
                }
            }

            if (options.DedupKey is { } key)
            {
                StoreId.Validate(key, paramName, "dedup key", MaxDedupKeyLength, allowColon: true);
                dedupKey = key;
            }

            dedupWindow = options.DedupWindow ?? dedupWindow;
            if (dedupWindow < TimeSpan.FromMilliseconds(1) || dedupWindow > MaxTtl)
            {
                throw new ArgumentOutOfRangeException(paramName, dedupWindow, $"DedupWindow must be between 1 ms and {MaxTtl}.");
            }

            maxAttempts = options.MaxAttempts ?? maxAttempts;
            if (maxAttempts is < 1 or > MaxAttemptsLimit)
            {
                throw new ArgumentOutOfRangeException(paramName, maxAttempts, $"MaxAttempts must be between 1 and {MaxAttemptsLimit}.");
            }

            ttl = options.Ttl ?? ttl;
            if (options.Ttl is { } own && (own < TimeSpan.FromMilliseconds(1) || own > MaxTtl))
            {
                throw new ArgumentOutOfRangeException(paramName, own, $"Ttl must be between 1 ms and {MaxTtl}.");
            }
        }

        byte[] bytes;
        try
        {
            bytes = _serializer.Serialize(payload);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new StoreSerializationException($"A job payload for queue '{queue}' (a {typeof(T).Name}) cannot be serialized: {ex.Message}", ex);
        }

        if (bytes.Length > _options.MaxPayloadBytes)
        {
            throw new ArgumentException(
                $"A job payload for queue '{queue}' serializes to {bytes.Length} bytes, over the limit of {_options.MaxPayloadBytes} (RedisStores:Workers:MaxPayloadBytes). Store large data elsewhere and enqueue a reference to it.",
                paramName);
        }

        return new PreparedJob(
            NewJobId(),
            bytes,
            priority,
            delayMs,
            dedupKey,
            (long)Math.Ceiling(dedupWindow.TotalMilliseconds),
            maxAttempts,
            ttl is { } t ? (long)Math.Ceiling(t.TotalMilliseconds) : null);
    }

    internal PreparedJob[] PrepareMany<T>(string queue, IEnumerable<JobRequest<T>> jobs, long nowMs)
    {
        ValidateQueue(queue);
        ArgumentNullException.ThrowIfNull(jobs);
        var prepared = new List<PreparedJob>();
        foreach (var job in jobs)
        {
            if (job is null)
            {
                throw new ArgumentException($"The batch holds a null job at position {prepared.Count}.", nameof(jobs));
            }

            if (prepared.Count == MaxBatch)
            {
                throw new ArgumentException($"A batch holds at most {MaxBatch} jobs; split it.", nameof(jobs));
            }

            prepared.Add(Prepare(queue, job.Payload, job.Options, nowMs, nameof(jobs)));
        }

        if (prepared.Count == 0)
        {
            throw new ArgumentException("The batch is empty; enqueue at least one job.", nameof(jobs));
        }

        var bytes = prepared.Sum(j => (long)j.Payload.Length);
        var limit = Math.Max(MaxBatchBytes, _options.MaxPayloadBytes);
        if (bytes > limit)
        {
            throw new ArgumentException($"The batch's payloads add up to {bytes} bytes, over the limit of {limit} for one batch; split it.", nameof(jobs));
        }

        return [.. prepared];
    }

    /// <summary>The lease's length in ms and the worker id, checked.</summary>
    internal (long VisibilityMs, string? WorkerId) PrepareLease(string queue, LeaseOptions? options)
    {
        ValidateQueue(queue);
        var visibility = options?.VisibilityTimeout ?? _options.VisibilityTimeout;
        if (visibility < MinVisibility || visibility > MaxVisibility)
        {
            throw new ArgumentOutOfRangeException(nameof(options), visibility, $"VisibilityTimeout must be between {MinVisibility} and {MaxVisibility}.");
        }

        if (options?.WorkerId is { } worker)
        {
            StoreId.Validate(worker, nameof(options), WorkerKind);
        }

        return ((long)Math.Ceiling(visibility.TotalMilliseconds), options?.WorkerId);
    }

    internal long ExtendMs<T>(JobLease<T> lease, TimeSpan? visibilityTimeout)
    {
        ValidateLease(lease);
        return PrepareLease(lease.Queue, new LeaseOptions { VisibilityTimeout = visibilityTimeout }).VisibilityMs;
    }

    internal static void ValidateLease<T>(JobLease<T> lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ValidateJob(lease.Queue, lease.JobId);
        ArgumentException.ThrowIfNullOrEmpty(lease.LeaseToken, nameof(lease));
    }

    internal static string LeaseError<T>(JobLease<T> lease, string errorMessage)
    {
        ValidateLease(lease);
        ArgumentException.ThrowIfNullOrEmpty(errorMessage);
        return errorMessage.Length > MaxErrorLength ? errorMessage[..MaxErrorLength] : errorMessage;
    }

    internal static TimeSpan ValidateWait(TimeSpan timeout)
        => timeout == Timeout.InfiniteTimeSpan || (timeout >= TimeSpan.Zero && timeout <= MaxWait)
            ? timeout
            : throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"The timeout must be between 0 and {MaxWait}, or Timeout.InfiniteTimeSpan.");

    /// <summary>The wait before the retry after failed attempt <paramref name="attempt"/>: exponential, capped, with ±20% jitter.</summary>
    internal long RetryDelayMs(int attempt)
    {
        var baseMs = _options.RetryBaseDelay.TotalMilliseconds;
        var maxMs = _options.RetryMaxDelay.TotalMilliseconds;
        var delay = Math.Min(baseMs * Math.Pow(2, Math.Clamp(attempt - 1, 0, 40)), maxMs);
        delay *= 0.8 + (0.4 * Random.Shared.NextDouble());
        return (long)Math.Min(delay, maxMs);
    }

    internal static (string[] Queues, KeyValuePair<string, string>[] Metadata) PrepareHeartbeat(string workerId, WorkerHeartbeat? heartbeat)
    {
        ValidateWorker(workerId);
        var queues = heartbeat?.Queues?.ToArray() ?? [];
        if (queues.Length > MaxHeartbeatQueues)
        {
            throw new ArgumentException($"A heartbeat names at most {MaxHeartbeatQueues} queues; this one names {queues.Length}.", nameof(heartbeat));
        }

        foreach (var queue in queues)
        {
            StoreId.Validate(queue, nameof(heartbeat), QueueKind);
        }

        var metadata = heartbeat?.Metadata?.ToArray() ?? [];
        if (metadata.Length > MaxMetadataEntries)
        {
            throw new ArgumentException($"A heartbeat holds at most {MaxMetadataEntries} metadata entries; this one holds {metadata.Length}.", nameof(heartbeat));
        }

        foreach (var (name, value) in metadata)
        {
            StoreId.Validate(name, nameof(heartbeat), "metadata name", StoreId.MaxLength, allowColon: false);
            if (value is null || value.Length > MaxMetadataValueLength)
            {
                throw new ArgumentException($"Metadata '{name}' must have a value of at most {MaxMetadataValueLength} characters.", nameof(heartbeat));
            }
        }

        return ([.. queues.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], [.. metadata.OrderBy(m => m.Key, StringComparer.Ordinal)]);
    }

    internal T DeserializePayload<T>(string queue, string jobId, ReadOnlySpan<byte> data)
    {
        try
        {
            return _serializer.Deserialize<T>(data);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new StoreSerializationException($"The payload of job '{jobId}' of queue '{queue}' cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    internal static (int PageSize, JobCursor? Cursor) PrepareJobQuery(string queue, JobState state, JobQuery? query)
    {
        ValidateQueue(queue);
        if (!Enum.IsDefined(state))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "Not a job state.");
        }

        query ??= new JobQuery();
        if (query.PageSize is < 1 or > JobQuery.MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.PageSize, $"PageSize must be between 1 and {JobQuery.MaxPageSize}.");
        }

        return (query.PageSize, query.Cursor is null ? null : JobCursor.Decode(query.Cursor, queue, state, nameof(query)));
    }

    private static string NewJobId() => Guid.NewGuid().ToString("N");
}

/// <summary>A job checked and serialized, ready for either implementation to store.</summary>
internal readonly record struct PreparedJob(
    string Id, byte[] Payload, int Priority, long DelayMs, string? DedupKey, long DedupWindowMs, int MaxAttempts, long? TtlMs);
