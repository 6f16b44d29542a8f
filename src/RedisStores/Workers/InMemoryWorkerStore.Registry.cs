namespace RedisStores.Workers;

// The worker registry: one entry per worker, gone once its last heartbeat's TTL has passed.
public sealed partial class InMemoryWorkerStore
{
    private readonly Dictionary<string, RegisteredWorker> _workers = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask HeartbeatAsync(string workerId, WorkerHeartbeat? heartbeat = null, CancellationToken cancellationToken = default)
    {
        var (queues, metadata) = WorkerInputs.PrepareHeartbeat(workerId, heartbeat);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = NowMs();
            PruneWorkers(now);
            var registeredMs = _workers.TryGetValue(workerId, out var existing) ? existing.RegisteredMs : now;
            _workers[workerId] = new RegisteredWorker(queues, metadata, registeredMs, now, now + (long)_inputs.Options.HeartbeatTtl.TotalMilliseconds);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<WorkerRecord>> ListWorkersAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = NowMs();
            PruneWorkers(now);
            var list = new List<WorkerRecord>(_workers.Count);
            foreach (var (id, worker) in _workers.OrderBy(w => w.Key, StringComparer.Ordinal))
            {
                var leases = new List<HeldJob>();
                foreach (var queue in worker.Queues)
                {
                    if (!_queues.TryGetValue(queue, out var q))
                    {
                        continue;
                    }

                    q.Reclaim(now);
                    foreach (var (until, jobId) in q.Leased)
                    {
                        var job = q.Jobs[jobId];
                        if (job.WorkerId == id)
                        {
                            leases.Add(new HeldJob(queue, jobId, job.Attempts, DateTimeOffset.FromUnixTimeMilliseconds(until)));
                        }
                    }
                }

                list.Add(new WorkerRecord
                {
                    WorkerId = id,
                    Queues = [.. worker.Queues],
                    Metadata = worker.Metadata.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal),
                    RegisteredAt = DateTimeOffset.FromUnixTimeMilliseconds(worker.RegisteredMs),
                    LastHeartbeatAt = DateTimeOffset.FromUnixTimeMilliseconds(worker.LastMs),
                    ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(worker.ExpiresMs),
                    Leases = leases,
                });
            }

            return ValueTask.FromResult<IReadOnlyList<WorkerRecord>>(list);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveWorkerAsync(string workerId, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateWorker(workerId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            PruneWorkers(NowMs());
            return ValueTask.FromResult(_workers.Remove(workerId));
        }
    }

    // Called under _gate. A worker lives through its expiry millisecond, as a Redis key with PEXPIREAT does.
    private void PruneWorkers(long now)
    {
        foreach (var (id, worker) in _workers)
        {
            if (worker.ExpiresMs < now)
            {
                _workers.Remove(id);
            }
        }
    }

    private sealed record RegisteredWorker(string[] Queues, KeyValuePair<string, string>[] Metadata, long RegisteredMs, long LastMs, long ExpiresMs);
}
