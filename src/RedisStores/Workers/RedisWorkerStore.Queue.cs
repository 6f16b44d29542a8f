using System.Diagnostics;
using System.Globalization;
using RedisStores.Redis;
using StackExchange.Redis;

namespace RedisStores.Workers;

// The work queues on Redis: every operation is one script over the queue's keys (see QueueScripts).
public sealed partial class RedisWorkerStore
{
    private const int PurgeRounds = 1_000_000;

    private static readonly JobState[] s_states = [JobState.Ready, JobState.Scheduled, JobState.Leased, JobState.Dead];

    /// <inheritdoc />
    public ValueTask<EnqueueResult> EnqueueAsync<T>(string queue, T payload, EnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateQueue(queue);
        var job = _inputs.Prepare(queue, payload, options, NowMs(), nameof(options));
        return EnqueueOneAsync(queue, job, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<EnqueueResult>> EnqueueManyAsync<T>(string queue, IEnumerable<JobRequest<T>> jobs, CancellationToken cancellationToken = default)
        => await EnqueueAsync(queue, _inputs.PrepareMany(queue, jobs, NowMs()), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<JobLease<T>?> LeaseAsync<T>(string queue, LeaseOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (visibilityMs, workerId) = _inputs.PrepareLease(queue, options);
        var token = NewToken();
        var reply = await TryLeaseAsync(queue, token, visibilityMs, workerId, null, cancellationToken).ConfigureAwait(false);
        return (long)reply[0] == 1 ? ParseLease<T>(queue, reply, token) : null;
    }

    /// <inheritdoc />
    public async ValueTask<JobLease<T>?> WaitAndLeaseAsync<T>(string queue, TimeSpan timeout, LeaseOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (visibilityMs, workerId) = _inputs.PrepareLease(queue, options);
        WorkerInputs.ValidateWait(timeout);
        var keys = _keys.Queue(queue);
        var idleMs = (long)_inputs.Options.IdlePollInterval.TotalMilliseconds;

        // Waits are timed by the real clock: due times and leases follow the server's clock, not an injected one.
        var started = Stopwatch.GetTimestamp();
        var budgetMs = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : (long)Math.Ceiling(timeout.TotalMilliseconds);
        while (true)
        {
            // The signal is taken before asking, so an enqueue between the ask and the wait still wakes this waiter.
            var (signal, subscribed) = _wakeups.Start(queue, keys.Wake);
            var live = subscribed.IsCompletedSuccessfully;
            var leftMs = budgetMs == long.MaxValue ? long.MaxValue : budgetMs - (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var waitMs = Math.Min(Math.Max(leftMs, 0), idleMs);

            // The flag tells enqueuers someone waits; it outlives this wait by a second, and the next ask renews it.
            // A last ask, with no time left to wait, raises no flag.
            var token = NewToken();
            var reply = await TryLeaseAsync(queue, token, visibilityMs, workerId, waitMs > 0 ? waitMs + 1000 : null, cancellationToken).ConfigureAwait(false);
            if ((long)reply[0] == 1)
            {
                return ParseLease<T>(queue, reply, token);
            }

            if (leftMs <= 0)
            {
                return null;
            }

            if (!live)
            {
                // The first ask went out beside the subscription, so an enqueue meanwhile may have gone unheard: wait
                // until wake-ups are live, then ask again before sleeping.
                await subscribed.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if ((long)reply[2] is >= 0 and var nextDueMs)
            {
                // A job comes due, a lease runs out, or a job's TTL ends: the server's clock says in how long.
                waitMs = Math.Min(waitMs, Math.Max(nextDueMs - (long)reply[1], 1));
            }

            try
            {
                await signal.WaitAsync(TimeSpan.FromMilliseconds(waitMs), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Time to ask again.
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask AckAsync<T>(JobLease<T> lease, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateLease(lease);
        var keys = _keys.Queue(lease.Queue);
        RedisValue[] args = [keys.Root, lease.JobId, lease.LeaseToken, _connection.PublishName(_jobsChannel), NewToken(), NowMs(), lease.Queue];
        var reply = await EvaluateAsync(_ack, keys.Keys, args, cancellationToken).ConfigureAwait(false);
        if ((long)reply == QueueScripts.Lost)
        {
            throw new LeaseLostException(lease.Queue, lease.JobId);
        }
    }

    /// <inheritdoc />
    public async ValueTask<JobLease<T>?> AckAndLeaseNextAsync<T>(JobLease<T> lease, LeaseOptions? options = null, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateLease(lease);
        var queue = lease.Queue;
        var (visibilityMs, workerId) = _inputs.PrepareLease(queue, options);
        var keys = _keys.Queue(queue);
        var token = NewToken();
        RedisValue[] args =
        [
            keys.Root, MemoryQueue.LeaseRanOut, lease.JobId, lease.LeaseToken, _connection.PublishName(_jobsChannel), NewToken(), NowMs(), queue,
            token, visibilityMs, workerId ?? string.Empty,
        ];
        var reply = await EvaluateLeaseAsync(_ackAndLease, keys, args, token, cancellationToken).ConfigureAwait(false);
        if (reply.Resp2Type == ResultType.Integer)
        {
            throw new LeaseLostException(queue, lease.JobId);
        }

        var parts = (RedisResult[])reply!;
        return (long)parts[0] switch
        {
            1 => ParseLease<T>(queue, parts, token),
            0 => null,
            _ => throw new StoreDataException(
                $"Job '{lease.JobId}' of queue '{queue}' was acked, but the next ready job, '{(string?)parts[1] ?? "?"}', is stored in a form this store did not write, and was left where it was. Something else writes under the store's key prefix; delete the queue's keys (PurgeAsync, or the keys tagged {{wq:{queue}}}) or give the store its own RedisStores:KeyPrefix."),
        };
    }

    /// <inheritdoc />
    public ValueTask<JobFailure> FailAsync<T>(JobLease<T> lease, string errorMessage, CancellationToken cancellationToken = default)
        => FailAsync(lease, WorkerInputs.LeaseError(lease, errorMessage), deadLetter: false, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DeadLetterAsync<T>(JobLease<T> lease, string errorMessage, CancellationToken cancellationToken = default)
        => await FailAsync(lease, WorkerInputs.LeaseError(lease, errorMessage), deadLetter: true, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<JobLease<T>> ExtendLeaseAsync<T>(JobLease<T> lease, TimeSpan? visibilityTimeout = null, CancellationToken cancellationToken = default)
    {
        var ms = _inputs.ExtendMs(lease, visibilityTimeout);
        var keys = _keys.Queue(lease.Queue);
        var reply = (long)await EvaluateAsync(QueueScripts.Extend, keys.Keys, [keys.Root, MemoryQueue.LeaseRanOut, lease.JobId, lease.LeaseToken, ms], cancellationToken).ConfigureAwait(false);
        return reply == QueueScripts.Lost ? throw new LeaseLostException(lease.Queue, lease.JobId) : lease.WithExpiry(reply);
    }

    /// <inheritdoc />
    public async ValueTask<QueueCounts> GetCountsAsync(string queue, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateQueue(queue);
        var keys = _keys.Queue(queue);
        var reply = (long[])(await EvaluateAsync(QueueScripts.Counts, keys.Keys, [keys.Root, MemoryQueue.LeaseRanOut], cancellationToken).ConfigureAwait(false))!;
        return new QueueCounts(reply[0], reply[1], reply[2], reply[3]);
    }

    /// <inheritdoc />
    public ValueTask<JobRecord?> PeekAsync(string queue, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateQueue(queue);
        return GetAsync(queue, string.Empty, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<JobRecord?> GetJobAsync(string queue, string jobId, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateJob(queue, jobId);
        return GetAsync(queue, jobId, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<JobPage> ListJobsAsync(string queue, JobState state, JobQuery? query = null, CancellationToken cancellationToken = default)
    {
        var (pageSize, cursor) = WorkerInputs.PrepareJobQuery(queue, state, query);
        var keys = _keys.Queue(queue);
        RedisValue[] args =
        [
            keys.Root, MemoryQueue.LeaseRanOut, (int)state + 1,
            cursor is { } c ? c.Score.ToString("R", CultureInfo.InvariantCulture) : RedisValue.EmptyString,
            cursor?.Id ?? string.Empty, pageSize,
        ];
        var reply = (RedisResult[])(await EvaluateAsync(QueueScripts.Page, keys.Keys, args, cancellationToken).ConfigureAwait(false))!;
        var entries = (RedisResult[])reply[3]!;
        var jobs = new List<JobRecord>(entries.Length);
        foreach (var entry in entries)
        {
            jobs.Add(ToRecord(queue, ParseJob((RedisValue[])((RedisResult[])entry!)[1]!, queue, null)));
        }

        // The cursor is the last entry examined, listed or not, so a vanished job neither ends the listing nor repeats.
        var next = (long)reply[0] == 1
            ? new JobCursor(double.Parse((string)reply[1]!, CultureInfo.InvariantCulture), (string)reply[2]!).Encode(queue, state)
            : null;
        return new JobPage { Jobs = jobs, NextCursor = next };
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReplayDeadAsync(string queue, string jobId, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateJob(queue, jobId);
        var keys = _keys.Queue(queue);
        var channel = _connection.PublishName(keys.WakeName);
        return (long)await EvaluateAsync(QueueScripts.Replay, keys.Keys, [keys.Root, jobId, channel], cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateQueue(queue);
        var keys = _keys.Queue(queue);
        long deleted = 0;

        // In slices of 500 jobs, so purging a large queue never blocks the server for long.
        for (var round = 0; round < PurgeRounds; round++)
        {
            var reply = (long[])(await EvaluateAsync(QueueScripts.Purge, keys.Keys, [keys.Root], cancellationToken).ConfigureAwait(false))!;
            deleted += reply[0];
            if (reply[1] == 0)
            {
                break;
            }
        }

        return deleted;
    }

    // One job: no batch arrays, and the job's own id reused when it was enqueued. A job ready at once, without a dedup
    // key or a TTL, into a queue without a length limit (the common case) takes the lean script.
    private async ValueTask<EnqueueResult> EnqueueOneAsync(string queue, PreparedJob job, CancellationToken cancellationToken)
    {
        var keys = _keys.Queue(queue);
        if (job is { DelayMs: 0, DedupKey: null, TtlMs: null } && _inputs.Options.MaxQueueLength is null)
        {
            RedisValue[] ready = [keys.Root, _connection.PublishName(keys.WakeName), job.Id, job.Payload, job.Priority, job.MaxAttempts];
            await EvaluateAsync(_enqueueReady, keys.Keys, ready, cancellationToken).ConfigureAwait(false);
            return new EnqueueResult(job.Id, true);
        }

        var args = EnqueueArgs(keys, 1);
        SetJob(args, 0, job);
        var reply = EnqueueReply(queue, await EvaluateAsync(_enqueue, keys.Keys, args, cancellationToken).ConfigureAwait(false));
        return (long)reply[1] == 1 ? new EnqueueResult(job.Id, true) : new EnqueueResult((string)reply[0]!, false);
    }

    private async ValueTask<EnqueueResult[]> EnqueueAsync(string queue, PreparedJob[] jobs, CancellationToken cancellationToken)
    {
        var keys = _keys.Queue(queue);
        var args = EnqueueArgs(keys, jobs.Length);
        for (var i = 0; i < jobs.Length; i++)
        {
            SetJob(args, i, jobs[i]);
        }

        var reply = EnqueueReply(queue, await EvaluateAsync(_enqueue, keys.Keys, args, cancellationToken).ConfigureAwait(false));
        var results = new EnqueueResult[jobs.Length];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = new EnqueueResult((string)reply[2 * i]!, (long)reply[(2 * i) + 1] == 1);
        }

        return results;
    }

    private RedisValue[] EnqueueArgs(QueueKeys keys, int count)
    {
        var args = new RedisValue[5 + (count * 8)];
        args[0] = keys.Root;
        args[1] = MemoryQueue.LeaseRanOut;
        args[2] = _connection.PublishName(keys.WakeName);
        args[3] = _inputs.Options.MaxQueueLength is { } max ? max : RedisValue.EmptyString;
        args[4] = count;
        return args;
    }

    private static void SetJob(RedisValue[] args, int index, PreparedJob job)
    {
        var b = 5 + (index * 8);
        args[b] = job.Id;
        args[b + 1] = job.Payload;
        args[b + 2] = job.Priority;
        args[b + 3] = job.DelayMs;
        args[b + 4] = job.DedupKey ?? string.Empty;
        args[b + 5] = job.DedupWindowMs;
        args[b + 6] = job.MaxAttempts;
        args[b + 7] = job.TtlMs is { } ttl ? ttl : RedisValue.EmptyString;
    }

    private RedisResult[] EnqueueReply(string queue, RedisResult result)
    {
        var reply = (RedisResult[])result!;
        if (reply.Length == 2 && reply[0].Resp2Type == ResultType.Integer && (long)reply[0] == QueueScripts.Full)
        {
            throw new QueueFullException(queue, (long)reply[1], _inputs.Options.MaxQueueLength!.Value);
        }

        return reply;
    }

    // The lease script's reply: { 1, the leased job's fields (see ParseLease) }, or { 0, now, next due or -1 }.
    private async ValueTask<RedisResult[]> TryLeaseAsync(string queue, string token, long visibilityMs, string? workerId, long? waiterFlagMs, CancellationToken cancellationToken)
    {
        var keys = _keys.Queue(queue);
        RedisValue[] args =
        [
            keys.Root, MemoryQueue.LeaseRanOut, token, visibilityMs, workerId ?? string.Empty,
            waiterFlagMs is { } flag ? flag : RedisValue.EmptyString,
        ];
        var reply = (RedisResult[])(await EvaluateLeaseAsync(_lease, keys, args, token, cancellationToken).ConfigureAwait(false))!;
        return (long)reply[0] is 1 or 0 ? reply : throw ForeignJob(queue, (string?)reply[1] ?? "?");
    }

    // Runs a script that may lease a job under the given token. The script is not cancelled with the caller: once sent
    // it runs, and a job it leased for a caller who has gone must go back to ready, or it would cost an attempt (and
    // on its last attempt, die) without running.
    private ValueTask<RedisResult> EvaluateLeaseAsync(ShaScript script, QueueKeys keys, RedisValue[] args, string token, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var running = EvaluateAsync(script, keys.Keys, args, CancellationToken.None);
        return cancellationToken.CanBeCanceled ? WaitOrReleaseAsync(running.AsTask(), keys, token, cancellationToken) : running;
    }

    private async ValueTask<RedisResult> WaitOrReleaseAsync(Task<RedisResult> task, QueueKeys keys, string token, CancellationToken cancellationToken)
    {
        try
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            RedisCall.Observe(ReleaseIfLeasedAsync(task, keys, token));
            throw;
        }
    }

    private async Task ReleaseIfLeasedAsync(Task<RedisResult> lease, QueueKeys keys, string token)
    {
        var result = await lease.ConfigureAwait(false);
        if (result.Resp2Type != ResultType.Array)
        {
            return; // an ack whose lease was lost leased nothing
        }

        var reply = (RedisResult[])result!;
        if ((long)reply[0] == 1)
        {
            var jobId = (string)reply[1]!;
            var dropAt = (string?)reply[10] ?? string.Empty;
            var channel = _connection.PublishName(keys.WakeName);
            await EvaluateAsync(QueueScripts.Release, keys.Keys, [keys.Root, jobId, token, channel, dropAt], CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async ValueTask<JobFailure> FailAsync<T>(JobLease<T> lease, string error, bool deadLetter, CancellationToken cancellationToken)
    {
        var keys = _keys.Queue(lease.Queue);
        var channel = _connection.PublishName(keys.WakeName);
        RedisValue[] args =
        [
            keys.Root, MemoryQueue.LeaseRanOut, lease.JobId, lease.LeaseToken, error,
            _inputs.RetryDelayMs(lease.Attempt), deadLetter ? "1" : "0", channel,
            _connection.PublishName(_jobsChannel), NewToken(), lease.Queue,
        ];
        var reply = await EvaluateAsync(QueueScripts.Fail, keys.Keys, args, cancellationToken).ConfigureAwait(false);
        if (reply.Resp2Type == ResultType.Integer)
        {
            throw new LeaseLostException(lease.Queue, lease.JobId);
        }

        var parts = (long[])reply!;
        return parts[0] == 1
            ? new JobFailure((int)parts[1], true, null)
            : new JobFailure((int)parts[1], false, DateTimeOffset.FromUnixTimeMilliseconds(parts[2]));
    }

    private async ValueTask<JobRecord?> GetAsync(string queue, string jobId, CancellationToken cancellationToken)
    {
        var keys = _keys.Queue(queue);
        var reply = (RedisValue[])(await EvaluateAsync(QueueScripts.Get, keys.Keys, [keys.Root, MemoryQueue.LeaseRanOut, jobId], cancellationToken).ConfigureAwait(false))!;
        var expectedId = jobId.Length == 0 ? null : jobId; // empty: the next ready job, whatever its id
        return reply.Length == 0 ? null : ToRecord(queue, ParseJob(reply, queue, expectedId));
    }

    private static string NewToken() => Guid.NewGuid().ToString("N");

    // Reads a lease script's { 1, id, p, pr, a, m, t, du, w, err, drop time }: the job as it was leased, under the token
    // the caller made. Foreign data, reported, for anything this store did not write.
    private JobLease<T> ParseLease<T>(string queue, RedisResult[] f, string token)
    {
        var id = f.Length == 11 ? (string?)f[1] : null;
        if (id is null)
        {
            throw ForeignJob(queue, "?");
        }

        var payload = (byte[]?)f[2] ?? throw ForeignJob(queue, id);
        var priority = (int)Number((RedisValue)f[3], queue, id);
        var attempt = (int)Number((RedisValue)f[4], queue, id);
        var maxAttempts = (int)Number((RedisValue)f[5], queue, id);
        var enqueued = Number((RedisValue)f[6], queue, id);
        var expires = Number((RedisValue)f[7], queue, id);
        return new JobLease<T>
        {
            Queue = queue,
            JobId = id,
            Payload = _inputs.DeserializePayload<T>(queue, id, payload),
            Attempt = attempt,
            MaxAttempts = maxAttempts,
            Priority = priority,
            EnqueuedAt = DateTimeOffset.FromUnixTimeMilliseconds(enqueued),
            ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(expires),
            LastError = (string?)f[9],
            WorkerId = (string?)f[8],
            LeaseToken = token,
        };
    }

    private JobRecord ToRecord(string queue, JobSnapshot job) => job.ToRecord(_inputs, queue);

    // Reads a job's fields (HMGET v id p pr a m t st du tok w err dk). Foreign data, reported, for anything this store did not write.
    private static JobSnapshot ParseJob(RedisValue[] f, string queue, string? expectedId)
    {
        var id = (string?)f[1];
        if (f.Length != 13 || f[0] != "1" || id is null || (expectedId is not null && id != expectedId))
        {
            throw ForeignJob(queue, expectedId ?? id ?? "?");
        }

        var state = (string?)f[7] switch
        {
            "r" => JobState.Ready,
            "s" => JobState.Scheduled,
            "l" => JobState.Leased,
            "d" => JobState.Dead,
            _ => throw ForeignJob(queue, id),
        };
        return new JobSnapshot(
            id,
            (byte[]?)f[2] ?? throw ForeignJob(queue, id),
            state,
            (int)Number(f[3], queue, id),
            (int)Number(f[4], queue, id),
            (int)Number(f[5], queue, id),
            Number(f[6], queue, id),
            f[8].IsNull ? null : Number(f[8], queue, id),
            (string?)f[9],
            (string?)f[10],
            (string?)f[11],
            (string?)f[12]);
    }

    private static long Number(RedisValue value, string queue, string id)
        => value.TryParse(out long number) && number is >= 0 and <= MaxUnixMs ? number : throw ForeignJob(queue, id);

    private static StoreDataException ForeignJob(string queue, string jobId)
        => new($"Job '{jobId}' of queue '{queue}' is stored in a form this store did not write. Something else writes under the store's key prefix; delete the queue's keys (PurgeAsync, or the keys tagged {{wq:{queue}}}) or give the store its own RedisStores:KeyPrefix.");
}
