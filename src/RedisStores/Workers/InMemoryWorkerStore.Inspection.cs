using RedisStores.Internal;

namespace RedisStores.Workers;

// Reading and tidying the in-memory queues: counts, peek, get, list, replay and purge.
public sealed partial class InMemoryWorkerStore
{
    /// <inheritdoc />
    public ValueTask<QueueCounts> GetCountsAsync(string queue, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateQueue(queue);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_queues.TryGetValue(queue, out var q))
            {
                return ValueTask.FromResult(default(QueueCounts));
            }

            Reclaim(queue, q);
            return ValueTask.FromResult(new QueueCounts(q.Ready.Count, q.Scheduled.Count, q.Leased.Count, q.Dead.Count));
        }
    }

    /// <inheritdoc />
    public ValueTask<JobRecord?> PeekAsync(string queue, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateQueue(queue);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_queues.TryGetValue(queue, out var q))
            {
                return ValueTask.FromResult<JobRecord?>(null);
            }

            Reclaim(queue, q);
            return ValueTask.FromResult(q.Ready.Count == 0 ? null : ToRecord(queue, q.Jobs[q.Ready.Min.Id]));
        }
    }

    /// <inheritdoc />
    public ValueTask<JobRecord?> GetJobAsync(string queue, string jobId, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateJob(queue, jobId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_queues.TryGetValue(queue, out var q))
            {
                return ValueTask.FromResult<JobRecord?>(null);
            }

            Reclaim(queue, q);
            return ValueTask.FromResult(q.Jobs.TryGetValue(jobId, out var job) ? ToRecord(queue, job) : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<JobPage> ListJobsAsync(string queue, JobState state, JobQuery? query = null, CancellationToken cancellationToken = default)
    {
        var (pageSize, cursor) = WorkerInputs.PrepareJobQuery(queue, state, query);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_queues.TryGetValue(queue, out var q))
            {
                return ValueTask.FromResult(new JobPage { Jobs = [] });
            }

            Reclaim(queue, q);
            var set = q.SetOf(state);
            IEnumerable<(long Score, string Id)> source = set;
            if (cursor is { } c)
            {
                var from = ((long)c.Score, c.Id);
                source = set.Count == 0 || ExpiryOrder.Instance.Compare(from, set.Max) >= 0
                    ? []
                    : set.GetViewBetween(from, set.Max).SkipWhile(e => ExpiryOrder.Instance.Compare(e, from) == 0);
            }

            var page = new List<JobRecord>(Math.Min(pageSize, set.Count));
            (long Score, string Id) last = default;
            var more = false;
            foreach (var entry in source)
            {
                if (page.Count == pageSize)
                {
                    more = true;
                    break;
                }

                page.Add(ToRecord(queue, q.Jobs[entry.Id]));
                last = entry;
            }

            return ValueTask.FromResult(new JobPage { Jobs = page, NextCursor = more ? new JobCursor(last.Score, last.Id!).Encode(queue, state) : null });
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ReplayDeadAsync(string queue, string jobId, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateJob(queue, jobId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_queues.TryGetValue(queue, out var q) || !q.Jobs.TryGetValue(jobId, out var job) || job.State != JobState.Dead)
            {
                return ValueTask.FromResult(false);
            }

            job.Attempts = 0;
            job.Seq = ++q.Seq;
            q.Place(job, JobState.Ready, MemoryQueue.ReadyScore(job));
            q.Wake();
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateQueue(queue);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_queues.TryGetValue(queue, out var q))
            {
                return ValueTask.FromResult(0L);
            }

            var purged = q.Purge();
            ReleaseIfIdle(queue, q);
            return ValueTask.FromResult(purged);
        }
    }
}
