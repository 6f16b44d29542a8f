namespace RedisStores.Workers;

// The work queues: one MemoryQueue per name, every state a sorted set of (score, job id) ordered as the Redis sorted
// sets are, so both implementations list and lease in the same order. Everything happens under _gate.
public sealed partial class InMemoryWorkerStore
{
    private readonly Dictionary<string, MemoryQueue> _queues = new(StringComparer.Ordinal);

    /// <summary>How many queues the store keeps state for. For tests and diagnostics.</summary>
    internal int QueueCount
    {
        get
        {
            lock (_gate)
            {
                return _queues.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<EnqueueResult> EnqueueAsync<T>(string queue, T payload, EnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateQueue(queue);
        var job = _inputs.Prepare(queue, payload, options, NowMs(), nameof(options));
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Enqueue(queue, [job])[0]);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<EnqueueResult>> EnqueueManyAsync<T>(string queue, IEnumerable<JobRequest<T>> jobs, CancellationToken cancellationToken = default)
    {
        var prepared = _inputs.PrepareMany(queue, jobs, NowMs());
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlyList<EnqueueResult>>(Enqueue(queue, prepared));
    }

    /// <inheritdoc />
    public ValueTask<JobLease<T>?> LeaseAsync<T>(string queue, LeaseOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (visibilityMs, workerId) = _inputs.PrepareLease(queue, options);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_queues.TryGetValue(queue, out var q))
            {
                return ValueTask.FromResult<JobLease<T>?>(null);
            }

            var taken = Take(q, NowMs(), visibilityMs, workerId);
            ReleaseIfIdle(queue, q); // jobs dropped by their TTL may have left it empty
            return ValueTask.FromResult(taken is null ? null : ToLease<T>(queue, taken));
        }
    }

    /// <inheritdoc />
    public async ValueTask<JobLease<T>?> WaitAndLeaseAsync<T>(string queue, TimeSpan timeout, LeaseOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (visibilityMs, workerId) = _inputs.PrepareLease(queue, options);
        WorkerInputs.ValidateWait(timeout);
        var deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : NowMs() + (long)Math.Ceiling(timeout.TotalMilliseconds);
        var idleMs = (long)_inputs.Options.IdlePollInterval.TotalMilliseconds;
        MemoryQueue q;
        lock (_gate)
        {
            // A queue with a waiter is kept, so the waiter's signal stays the one enqueues complete.
            q = QueueFor(queue);
            q.Waiters++;
        }

        try
        {
            return await WaitAsync<T>(queue, q, deadline, idleMs, visibilityMs, workerId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                q.Waiters--;
                ReleaseIfIdle(queue, q);
            }
        }
    }

    private async Task<JobLease<T>?> WaitAsync<T>(string queue, MemoryQueue q, long deadline, long idleMs, long visibilityMs, string? workerId, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task signal;
            long waitMs;
            lock (_gate)
            {
                var now = NowMs();
                signal = q.Signal.Task;
                if (Take(q, now, visibilityMs, workerId) is { } taken)
                {
                    return ToLease<T>(queue, taken);
                }

                if (now >= deadline)
                {
                    return null;
                }

                // Until the next job comes due or lease runs out, the deadline, or the safety-net poll.
                waitMs = Math.Min(deadline - now, idleMs);
                if (q.NextDueMs() is { } due)
                {
                    waitMs = Math.Min(waitMs, Math.Max(due - now, 1));
                }
            }

            try
            {
                await signal.WaitAsync(TimeSpan.FromMilliseconds(waitMs), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Time to look again.
            }
        }
    }

    /// <inheritdoc />
    public ValueTask AckAsync<T>(JobLease<T> lease, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateLease(lease);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var (q, job) = Held(lease);
            q.Remove(job);
            ReleaseIfIdle(lease.Queue, q);
            Announce(new JobFinished(lease.Queue, lease.JobId, "completed", job.Attempts));
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<JobLease<T>?> AckAndLeaseNextAsync<T>(JobLease<T> lease, LeaseOptions? options = null, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateLease(lease);
        var (visibilityMs, workerId) = _inputs.PrepareLease(lease.Queue, options);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var (q, job) = Held(lease);
            q.Remove(job);
            Announce(new JobFinished(lease.Queue, lease.JobId, "completed", job.Attempts));
            var taken = Take(q, NowMs(), visibilityMs, workerId);
            ReleaseIfIdle(lease.Queue, q);
            return ValueTask.FromResult(taken is null ? null : ToLease<T>(lease.Queue, taken));
        }
    }

    /// <inheritdoc />
    public ValueTask<JobFailure> FailAsync<T>(JobLease<T> lease, string errorMessage, CancellationToken cancellationToken = default)
    {
        var error = WorkerInputs.LeaseError(lease, errorMessage);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Fail(lease, error, deadLetter: false));
    }

    /// <inheritdoc />
    public ValueTask DeadLetterAsync<T>(JobLease<T> lease, string errorMessage, CancellationToken cancellationToken = default)
    {
        var error = WorkerInputs.LeaseError(lease, errorMessage);
        cancellationToken.ThrowIfCancellationRequested();
        Fail(lease, error, deadLetter: true);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<JobLease<T>> ExtendLeaseAsync<T>(JobLease<T> lease, TimeSpan? visibilityTimeout = null, CancellationToken cancellationToken = default)
    {
        var ms = _inputs.ExtendMs(lease, visibilityTimeout);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var (q, job) = Held(lease);
            var until = NowMs() + ms;
            q.Place(job, JobState.Leased, until);
            return ValueTask.FromResult(lease.WithExpiry(until));
        }
    }

    private EnqueueResult[] Enqueue(string queue, PreparedJob[] jobs)
    {
        lock (_gate)
        {
            var now = NowMs();
            var q = QueueFor(queue);
            if (_inputs.Options.MaxQueueLength is { } max)
            {
                // Jobs dropped by their TTL make room, and jobs whose lease ran out take it again. Duplicates add
                // nothing, so they do not count.
                q.Reclaim(now);
                q.PruneDedup(now);
                var fresh = jobs.Where(j => j.DedupKey is null).Count()
                    + jobs.Where(j => j.DedupKey is not null).Select(j => j.DedupKey!).Distinct(StringComparer.Ordinal).Count(k => !q.Dedup.ContainsKey(k));
                long waiting = q.Ready.Count + q.Scheduled.Count;
                if (fresh > 0 && waiting + fresh > max)
                {
                    throw new QueueFullException(queue, waiting, max);
                }
            }

            q.PruneDedup(now);
            var results = new EnqueueResult[jobs.Length];
            var woke = false;
            for (var i = 0; i < jobs.Length; i++)
            {
                var job = jobs[i];
                if (job.DedupKey is { } key)
                {
                    if (q.Dedup.TryGetValue(key, out var seen))
                    {
                        results[i] = new EnqueueResult(seen.JobId, false);
                        continue;
                    }

                    q.Dedup[key] = (job.Id, now + job.DedupWindowMs);
                    q.DedupExpiry.Add((now + job.DedupWindowMs, key));
                }

                var stored = new MemoryJob(job.Id, job.Payload, job.Priority, job.MaxAttempts, now, job.DedupKey) { Seq = ++q.Seq };
                q.Jobs.Add(job.Id, stored);
                if (job.TtlMs is { } ttl)
                {
                    stored.ExpiresMs = now + ttl;
                    q.Expiring.Add((now + ttl, job.Id));
                }

                // A scheduled job wakes waiters too, so each sets its timer to the new due time.
                q.Place(stored, job.DelayMs > 0 ? JobState.Scheduled : JobState.Ready, job.DelayMs > 0 ? now + job.DelayMs : MemoryQueue.ReadyScore(stored));
                woke = true;

                results[i] = new EnqueueResult(job.Id, true);
            }

            if (woke)
            {
                q.Wake();
            }

            return results;
        }
    }

    // Called under _gate: makes due work ready, then leases the first ready job.
    private static MemoryJob? Take(MemoryQueue q, long now, long visibilityMs, string? workerId)
    {
        q.Reclaim(now);
        if (q.Ready.Count == 0)
        {
            return null;
        }

        var job = q.Jobs[q.Ready.Min.Id];
        job.Attempts++;
        job.Token = Guid.NewGuid().ToString("N");
        job.WorkerId = workerId;
        if (job.ExpiresMs is { } expires)
        {
            // Once leased, a job no longer expires.
            q.Expiring.Remove((expires, job.Id));
            job.ExpiresMs = null;
        }

        q.Place(job, JobState.Leased, now + visibilityMs);
        return job;
    }

    private JobFailure Fail<T>(JobLease<T> lease, string error, bool deadLetter)
    {
        lock (_gate)
        {
            var (q, job) = Held(lease);
            var now = NowMs();
            job.Token = null;
            job.WorkerId = null;
            job.LastError = error;
            if (deadLetter || job.Attempts >= job.MaxAttempts)
            {
                q.Place(job, JobState.Dead, now);
                Announce(new JobFinished(lease.Queue, lease.JobId, "dead", job.Attempts));
                return new JobFailure(job.Attempts, true, null);
            }

            var due = now + _inputs.RetryDelayMs(job.Attempts);
            q.Place(job, JobState.Scheduled, due);
            q.Wake(); // waiters set their timers to the retry's due time
            Announce(new JobFinished(lease.Queue, lease.JobId, "retrying", job.Attempts));
            return new JobFailure(job.Attempts, false, DateTimeOffset.FromUnixTimeMilliseconds(due));
        }
    }

    // Called under _gate: the job the lease names, if the lease still holds it.
    private (MemoryQueue Queue, MemoryJob Job) Held<T>(JobLease<T> lease)
        => _queues.TryGetValue(lease.Queue, out var q)
            && q.Jobs.TryGetValue(lease.JobId, out var job)
            && job.State == JobState.Leased
            && job.Token == lease.LeaseToken
                ? (q, job)
                : throw new LeaseLostException(lease.Queue, lease.JobId);

    // Called under _gate: takes back due work, and forgets the queue if that left it empty.
    private void Reclaim(string queue, MemoryQueue q)
    {
        q.Reclaim(NowMs());
        ReleaseIfIdle(queue, q);
    }

    // Called under _gate: forgets a queue that holds nothing (no job, no live dedup key, no waiter), so a store used
    // with many queue names does not keep them all. Its sequence restarts; order only matters among jobs it holds.
    private void ReleaseIfIdle(string queue, MemoryQueue q)
    {
        q.PruneDedup(NowMs());
        if (q.Jobs.Count == 0 && q.Dedup.Count == 0 && q.Waiters == 0)
        {
            _queues.Remove(queue);
        }
    }

    // The in-memory bus delivers synchronously into subscribers' buffers: no I/O, no waiting, even under the lock.
    private void Announce(JobFinished finished) => Messaging.Announcer.Announce(_notifications, Messaging.StoreTopics.WorkerJobs, finished);

    private MemoryQueue QueueFor(string queue)
    {
        if (!_queues.TryGetValue(queue, out var q))
        {
            q = new MemoryQueue();
            _queues.Add(queue, q);
        }

        return q;
    }

    private JobLease<T> ToLease<T>(string queue, MemoryJob job) => job.Snapshot().ToLease<T>(_inputs, queue);

    private JobRecord ToRecord(string queue, MemoryJob job) => job.Snapshot().ToRecord(_inputs, queue);
}
